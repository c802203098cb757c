#pragma once
// Identifies the header fields imsguard reads, so the parser resolves a name (long or
// compact form, any case) once and every later lookup is an integer compare.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace imsguard::sip {

enum class HeaderId : uint8_t {
  kOther,
  kVia,
  kFrom,
  kTo,
  kCallId,
  kCSeq,
  kMaxForwards,
  kContact,
  kRoute,
  kRecordRoute,
  kContentLength,
  kContentType,
  kExpires,
  kAuthorization,
  kWwwAuthenticate,
  kProxyAuthorization,
  kProxyAuthenticate,
  kUserAgent,
  kPAssertedIdentity,
  kPPreferredIdentity,
  kPrivacy,
  kSecurityClient,
  kSecurityServer,
  kSecurityVerify,
  kRequire,
  kProxyRequire,
  kSupported,
  kAllow,
  kAccept,
  kIdentity,
  kPath,
  kServiceRoute,
  kAuthenticationInfo,
  kSubject,
  kEvent,
  kDate,
  kUnsupported,
  kContentEncoding,
  kContentDisposition,
  kContentLanguage,
  kAcceptEncoding,
  kAcceptLanguage,
  kAllowEvents,
  kReferTo,
  kReferredBy,
  kSessionExpires,
  kMinSE,
  kMinExpires,
  kRetryAfter,
  kWarning,
  kServer,
  kRSeq,
  kRAck,
  kReason,
  kTimestamp,
  kOrganization,
  kPriority,
  kReplyTo,
  kInReplyTo,
  kCallInfo,
  kAlertInfo,
  kErrorInfo,
  kMimeVersion,
  kSubscriptionState,
  kPAccessNetworkInfo,
  kPVisitedNetworkId,
  kPChargingVector,
  kPChargingFunctionAddresses,
  kPAssociatedUri,
  kPCalledPartyId,
  kIdentityInfo,
  kAcceptContact,
  kRejectContact,
  kRequestDisposition,
  kReplaces,
  kCount  // not a header: number of ids
};

inline constexpr size_t kHeaderIdCount = static_cast<size_t>(HeaderId::kCount);

// Resolves a header name as written (case-insensitive, compact forms included).
// Unknown names give kOther.
HeaderId lookup_header(std::string_view name);

// The canonical long name ("Via", "Call-ID"); empty for kOther.
std::string_view header_name(HeaderId id);

// Whether the field's grammar is a comma-separated list (RFC 3261 7.3.1), so that
// several lines may be combined and a value may hold several elements.
bool is_list_header(HeaderId id);

}  // namespace imsguard::sip
