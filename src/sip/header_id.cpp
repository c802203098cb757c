#include "sip/header_id.h"

#include <array>
#include <cstring>

#include "sip/lex.h"

namespace imsguard::sip {
namespace {

struct NameEntry {
  HeaderId id;
  std::string_view name;
};

// Canonical names, indexed by HeaderId.
constexpr std::array<std::string_view, kHeaderIdCount> kNames = {
    "",
    "Via",
    "From",
    "To",
    "Call-ID",
    "CSeq",
    "Max-Forwards",
    "Contact",
    "Route",
    "Record-Route",
    "Content-Length",
    "Content-Type",
    "Expires",
    "Authorization",
    "WWW-Authenticate",
    "Proxy-Authorization",
    "Proxy-Authenticate",
    "User-Agent",
    "P-Asserted-Identity",
    "P-Preferred-Identity",
    "Privacy",
    "Security-Client",
    "Security-Server",
    "Security-Verify",
    "Require",
    "Proxy-Require",
    "Supported",
    "Allow",
    "Accept",
    "Identity",
    "Path",
    "Service-Route",
    "Authentication-Info",
    "Subject",
    "Event",
    "Date",
    "Unsupported",
    "Content-Encoding",
    "Content-Disposition",
    "Content-Language",
    "Accept-Encoding",
    "Accept-Language",
    "Allow-Events",
    "Refer-To",
    "Referred-By",
    "Session-Expires",
    "Min-SE",
    "Min-Expires",
    "Retry-After",
    "Warning",
    "Server",
    "RSeq",
    "RAck",
    "Reason",
    "Timestamp",
    "Organization",
    "Priority",
    "Reply-To",
    "In-Reply-To",
    "Call-Info",
    "Alert-Info",
    "Error-Info",
    "MIME-Version",
    "Subscription-State",
    "P-Access-Network-Info",
    "P-Visited-Network-ID",
    "P-Charging-Vector",
    "P-Charging-Function-Addresses",
    "P-Associated-URI",
    "P-Called-Party-ID",
    "Identity-Info",
    "Accept-Contact",
    "Reject-Contact",
    "Request-Disposition",
    "Replaces",
};

// Compact forms (RFC 3261 7.3.3 and the IANA registry).
HeaderId compact(char c) {
  switch (to_lower(c)) {
    case 'v': return HeaderId::kVia;
    case 'f': return HeaderId::kFrom;
    case 't': return HeaderId::kTo;
    case 'i': return HeaderId::kCallId;
    case 'm': return HeaderId::kContact;
    case 'l': return HeaderId::kContentLength;
    case 'c': return HeaderId::kContentType;
    case 'e': return HeaderId::kContentEncoding;
    case 'k': return HeaderId::kSupported;
    case 's': return HeaderId::kSubject;
    case 'o': return HeaderId::kEvent;
    case 'r': return HeaderId::kReferTo;
    case 'b': return HeaderId::kReferredBy;
    case 'u': return HeaderId::kAllowEvents;
    case 'x': return HeaderId::kSessionExpires;
    case 'a': return HeaderId::kAcceptContact;
    case 'j': return HeaderId::kRejectContact;
    case 'd': return HeaderId::kRequestDisposition;
    case 'y': return HeaderId::kIdentity;
    case 'n': return HeaderId::kIdentityInfo;
    default: return HeaderId::kOther;
  }
}

// Case-insensitive compare of a token against a lower-case canonical name, 8 bytes at a
// time: OR-ing 0x20 lower-cases letters, and for token characters it maps nothing else
// onto a letter, '-' or a digit (the only characters of canonical names).
bool token_equals_lower(std::string_view token, const char* lower) {
  size_t n = token.size();
  const char* a = token.data();
  const char* b = lower;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t x, y;
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    if ((x | 0x2020202020202020ULL) != y) return false;
  }
  for (; i < n; ++i) {
    if (static_cast<char>(a[i] | 0x20) != b[i]) return false;
  }
  return true;
}

// Buckets of ids by the lower-cased first letter, so a lookup compares a handful of
// names at most.
struct Index {
  std::array<std::array<uint8_t, 16>, 26> ids{};
  std::array<uint8_t, 26> sizes{};
  // Lower-cased names in fixed storage: building the index must not allocate.
  std::array<std::array<char, 32>, kHeaderIdCount> lower{};
  Index() {
    for (size_t i = 1; i < kHeaderIdCount; ++i) {
      for (size_t k = 0; k < kNames[i].size() && k < 31; ++k) lower[i][k] = to_lower(kNames[i][k]);
      char c = to_lower(kNames[i][0]);
      size_t b = static_cast<size_t>(c - 'a');
      if (sizes[b] < ids[b].size()) ids[b][sizes[b]++] = static_cast<uint8_t>(i);
    }
  }
};

const Index& index() {
  static const Index idx;
  return idx;
}

}  // namespace

HeaderId lookup_header(std::string_view name) {
  if (name.empty()) return HeaderId::kOther;
  if (name.size() == 1) return compact(name[0]);
  char c = to_lower(name[0]);
  if (c < 'a' || c > 'z') return HeaderId::kOther;
  const Index& idx = index();
  size_t b = static_cast<size_t>(c - 'a');
  for (size_t k = 0; k < idx.sizes[b]; ++k) {
    uint8_t id = idx.ids[b][k];
    if (kNames[id].size() == name.size() && token_equals_lower(name, idx.lower[id].data())) {
      return static_cast<HeaderId>(id);
    }
  }
  return HeaderId::kOther;
}

std::string_view header_name(HeaderId id) {
  size_t i = static_cast<size_t>(id);
  return i < kHeaderIdCount ? kNames[i] : std::string_view{};
}

bool is_list_header(HeaderId id) {
  switch (id) {
    case HeaderId::kVia:
    case HeaderId::kContact:
    case HeaderId::kRoute:
    case HeaderId::kRecordRoute:
    case HeaderId::kPAssertedIdentity:
    case HeaderId::kPPreferredIdentity:
    case HeaderId::kSecurityClient:
    case HeaderId::kSecurityServer:
    case HeaderId::kSecurityVerify:
    case HeaderId::kRequire:
    case HeaderId::kProxyRequire:
    case HeaderId::kSupported:
    case HeaderId::kAllow:
    case HeaderId::kAccept:
    case HeaderId::kPath:
    case HeaderId::kServiceRoute:
    case HeaderId::kUnsupported:
    case HeaderId::kContentEncoding:
    case HeaderId::kContentLanguage:
    case HeaderId::kAcceptEncoding:
    case HeaderId::kAcceptLanguage:
    case HeaderId::kAllowEvents:
    case HeaderId::kWarning:
    case HeaderId::kReason:
    case HeaderId::kInReplyTo:
    case HeaderId::kCallInfo:
    case HeaderId::kAlertInfo:
    case HeaderId::kErrorInfo:
    case HeaderId::kPAssociatedUri:
    case HeaderId::kAcceptContact:
    case HeaderId::kRejectContact:
    case HeaderId::kRequestDisposition:
      return true;
    default:
      return false;
  }
}

}  // namespace imsguard::sip
