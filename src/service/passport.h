#pragma once
// The core's signed assertion toward the service box: a PASSporT (RFC 8225) in the compact
// JWS form, carried in an Identity header (RFC 8224). A bare P-Asserted-Identity is only as
// trustworthy as every hop that could have written it; the signature makes the asserted
// identity, the service and the moment verifiable by the service box alone.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "service/es256.h"

namespace imsguard::service {

struct PassportClaims {
  std::string orig;     // asserted IMPU of the caller ("sip:alice@ims.local")
  std::string dest;     // request target ("sip:media@services.ims.local")
  int64_t iat = 0;      // seconds since the epoch
  std::string origid;   // unique per assertion: the replay cache key
  std::string service;  // "svc" claim: the service the core authorised
  // "sigaddr" (private claim, optional): the IP address of the subscriber's signalling flow
  // as the edge saw it. The media service streams only to it (F9: no reflection to an
  // address a subscriber merely names in its SDP).
  std::string signalling_address;
};

// Compact JWS: base64url(header) "." base64url(claims) "." base64url(R||S). The header is
// {"alg":"ES256","ppt":"ims","typ":"passport","x5u":x5u}; claims keys are sorted and
// whitespace-free as RFC 8225 9 asks. Empty when signing failed.
std::string passport_sign(const Es256Key& key, const PassportClaims& claims, std::string_view x5u);

// The Identity header value: `<jws>;info=<x5u>;alg=ES256;ppt=ims`.
std::string identity_header(std::string_view jws, std::string_view x5u);

struct PassportCheck {
  std::optional<PassportClaims> claims;  // set when valid
  std::string error;                     // why not
};

// Parses an Identity header value (or a bare JWS), checks header fields, the signature,
// and that iat is within [now - max_age_s, now + max_skew_s]. Single use is the caller's
// (ReplayCache), since it depends on state.
PassportCheck passport_verify(const Es256Key& key, std::string_view identity_value, int64_t now,
                              int64_t max_age_s, int64_t max_skew_s = 5);

// A fresh random origid (UUID-like, 128 random bits).
std::string new_origid();

}  // namespace imsguard::service
