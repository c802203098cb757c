#pragma once
// Decides, for one REGISTER (or any request the core challenges), whether its credentials
// prove the claimed identity: SIP Digest against the stored HA1, or IMS AKA (AKAv1-MD5)
// against a RES recomputed from K and the RAND inside our own nonce. Both are stateless
// per challenge: the Digest nonce and the AKA nonce's server data are HMACs over time,
// realm, client address (and RAND), so a flood of unauthenticated requests stores nothing.
// The only durable write per challenge is the AKA SQN, reserved before the nonce leaves.
#include "config/config.h"
#include "crypto/digest.h"
#include "crypto/digest_header.h"
#include "crypto/nc_tracker.h"
#include "crypto/nonce.h"
#include "sip/message.h"
#include "store/subscriber_store.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace imsguard::edge {

// What to send back when the answer is "prove it (again)".
struct Challenge {
  std::vector<std::string> www_authenticate;  // one header value each, in preference order
};

enum class AuthOutcome {
  kAuthenticated,  // `subscriber` proved who it is
  kChallenge,      // no usable credentials (or stale / resynchronised): send `challenge`
  kFailed,         // wrong answer, unknown or barred user, replay: send `challenge`, count a failure
  kUnavailable,    // the store failed: answer 500/503, never guess
};

struct AuthResult {
  AuthOutcome outcome = AuthOutcome::kUnavailable;
  store::SharedSubscriber subscriber;  // the cache's record, shared read-only
  Challenge challenge;
  std::string impi;     // the identity the request claimed (username or To), for events and lockout
  std::string reason;   // for the security event: why it failed or was challenged
  std::string scheme;   // "digest", "aka"
};

struct AuthenticatorOptions {
  std::string realm;
  std::vector<crypto::DigestAlgorithm> digest_order;
  std::string qop = "auth";
  int64_t nonce_lifetime_ms = 30'000;
  int64_t rotation_ms = 3'600'000;
  size_t nc_capacity = 1 << 16;
  bool aka_enabled = true;
  bool digest_enabled = true;
  crypto::MillisClock clock = crypto::system_millis;
};

class Authenticator {
 public:
  // nullptr and an error when the options are unusable (e.g. no algorithm).
  static std::unique_ptr<Authenticator> create(AuthenticatorOptions options, store::SubscriberStore& subscribers,
                                               std::string& error);
  static AuthenticatorOptions options_from(const config::Config& config);

  // `aor` is the normalised To of the request; `client_address` the source IP (no port).
  AuthResult authenticate(const sip::Message& msg, std::string_view aor, std::string_view client_address);

  size_t nc_memory_bytes() const { return nc_.memory_bytes(); }

 private:
  Authenticator(AuthenticatorOptions options, store::SubscriberStore& subscribers,
                std::unique_ptr<crypto::NonceAuthority> nonces);

  AuthResult verify_digest(const sip::Message& msg, const struct CredentialsView& creds, std::string_view aor,
                           std::string_view client_address);
  AuthResult verify_aka(const sip::Message& msg, const struct CredentialsView& creds, std::string_view aor,
                        std::string_view client_address);
  // A challenge of the scheme the subscriber uses; for an unknown AoR a scheme chosen by a
  // keyed hash of the AoR, so the same unknown name always looks like the same kind of user.
  AuthResult challenge_for(std::string_view aor, std::string_view impi_hint, bool want_aka,
                           std::string_view client_address, bool stale, AuthOutcome outcome, std::string reason);
  std::optional<Challenge> digest_challenge(std::string_view client_address, bool stale);
  std::optional<Challenge> aka_challenge(const store::Subscriber* sub, std::string_view client_address, bool stale,
                                         std::string& error);
  bool unknown_looks_like_aka(std::string_view aor) const;
  // Records the nonce count of verified credentials; kReplay for a missing or repeated nc.
  crypto::NcTracker::Verdict record_nc(const crypto::DigestCredentials& c, int64_t issued_at_ms);

  AuthenticatorOptions options_;
  store::SubscriberStore& subscribers_;
  std::unique_ptr<crypto::NonceAuthority> nonces_;
  crypto::NcTracker nc_;
  std::array<uint8_t, 32> decoy_key_{};
};

}  // namespace imsguard::edge
