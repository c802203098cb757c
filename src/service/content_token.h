#pragma once
// Content tokens for C-S: the service box's HTTPS server hands out content only to bearers
// of a token the core issued for that subscriber and that service, valid until `exp`. It is
// a JWS signed by the core with ES256 (the key of its I-S certificate), so the service box
// needs no shared secret: it verifies with the core certificate it already pins, and a
// compromised service box cannot mint tokens for another service box.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "service/es256.h"

namespace imsguard::service {

struct ContentClaims {
  std::string subscriber;  // IMPU the token was issued to
  std::string service;
  int64_t exp = 0;         // seconds since the epoch
  std::string id;          // unique, for logs and audit
};

// JWS {"alg":"ES256","typ":"imsguard-content"} . {"exp","jti","sub","svc"}. Empty on failure.
std::string content_token_issue(const Es256Key& core_key, const ContentClaims& claims);

// Whether a subscriber may still use what it was given (not barred, still registered). The
// core's live view; see docs/services.md for how a separate service box gets it.
using SubscriberActive = std::function<bool(std::string_view impu)>;

struct TokenCheck {
  int status = 0;  // 0 valid; 401 missing/forged/expired/malformed; 403 wrong service or revoked
  std::string error;
  std::optional<ContentClaims> claims;
};

TokenCheck content_token_verify(const Es256Key& core_cert_key, std::string_view token, std::string_view service,
                                int64_t now, const SubscriberActive& active);

}  // namespace imsguard::service
