#pragma once
// Decides, for one REGISTER (or any request the edge challenges), whether its credentials
// prove the claimed identity: SIP Digest against the stored HA1, or IMS AKA (AKAv1-MD5)
// against a RES recomputed from K and the RAND inside our own nonce. Both are stateless
// per challenge: the Digest nonce and the AKA nonce's server data are HMACs over time,
// realm, the claimed identity and the client address (and RAND), so a flood of
// unauthenticated requests stores nothing. AKA SQNs are reserved durably in batches ahead of
// use (store::SubscriberStore::reserve_sqn), so a challenge costs memory, not an fsync.
#include "common/status.h"
#include "config/config.h"
#include "crypto/credentials.h"
#include "crypto/digest.h"
#include "crypto/digest_header.h"
#include "crypto/nc_tracker.h"
#include "crypto/nonce.h"
#include "edge/sqn_pool.h"
#include "sip/message.h"
#include "store/subscriber_store.h"

#include <memory>
#include <mutex>
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

// Why, told apart for the log and the security event (issue 19 point 5); the client sees
// the same challenge for all of them. Decisions read this, never a text.
enum class AuthReason : uint8_t {
  kNone,                // authenticated
  kNoCredentials,       // no Authorization at all: the first challenge
  kRealmMismatch,       // credentials only for another realm (or scheme)
  kMalformed,           // a Digest Authorization that does not parse
  kAmbiguous,           // several Authorization headers for our realm
  kNoAnswerYet,         // IMS initial REGISTER: the identity only
  kStaleNonce,          // ours, expired
  kNonceNotOurs,        // forged, for another source, or from another edge process
  kNonceOtherIdentity,  // ours, for this source, issued for another identity
  kUriMismatch,         // Digest uri is not the Request-URI (RFC 3261 22.4)
  kAlgorithmNotOffered,
  kNoQop,
  kUnknownUser,
  kBarred,
  kWrongScheme,         // the user authenticates with the other scheme
  kWrongPassword,       // Digest response (AKA: RES) does not match
  kIdentityMismatch,    // To is not an identity of this user
  kNcReplay,
  kNcForgotten,
  kSchemeDisabled,
  kResynchronised,      // AKA AUTS accepted: SQN moved, new challenge
  kAutsInvalid,
  kStoreUnavailable,
};
std::string_view reason_text(AuthReason reason);

enum class AuthScheme : uint8_t { kDigest, kAka };

struct AuthResult {
  AuthOutcome outcome = AuthOutcome::kUnavailable;
  AuthReason reason = AuthReason::kStoreUnavailable;
  store::SharedSubscriber subscriber;  // the cache's record, shared read-only
  Challenge challenge;
  std::string impi;     // the identity the request claimed, for events and lockout
  std::string detail;   // kUnavailable: what failed (store message)
  AuthScheme scheme = AuthScheme::kDigest;
  // The answer carried a valid nonce we issued to this source for this identity: its sender
  // saw our challenge (a failure then is a guess, see guard::AuthInfo).
  bool answered_our_challenge = false;

  // "wrong password", or "store: <detail>": for events and logs.
  std::string reason_line() const;
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
  uint32_t sqn_batch = 32;  // SQNs reserved durably per store write (1: one per challenge)
  crypto::MillisClock clock = crypto::system_millis;
  // The MAC of the nonces and of the decoy choice (empty: OpenSSL). A failure refuses: no
  // challenge is sent (kUnavailable) and no answer is accepted (tests inject one).
  crypto::MacFunction mac;
};

class Authenticator {
 public:
  // kInvalid when the options are unusable (e.g. no algorithm); kUnavailable when there is
  // no randomness for its keys.
  static StatusOr<std::unique_ptr<Authenticator>> create(AuthenticatorOptions options,
                                                         store::SubscriberStore& subscribers);
  static AuthenticatorOptions options_from(const config::Config& config);

  // The request's credentials in `header`, read once: selection for our realm, the claimed
  // identity, and whether the nonce is one we issued to `client_address` for it.
  crypto::RequestCredentials read(const sip::Message& msg, sip::HeaderId header, std::string_view client_address);

  // `aor` is the normalised To of the request; `client_address` the source IP (no port).
  AuthResult authenticate(const sip::Message& msg, const crypto::RequestCredentials& creds, std::string_view aor,
                          std::string_view client_address);
  // read() then authenticate() (tests, tools).
  AuthResult authenticate(const sip::Message& msg, std::string_view aor, std::string_view client_address);

  // The share of AKA subscribers the decoy choice follows (for tests and docs).
  double decoy_aka_share() const { return aka_share_; }

 private:
  Authenticator(AuthenticatorOptions options, store::SubscriberStore& subscribers,
                std::unique_ptr<crypto::NonceAuthority> nonces);

  AuthResult verify_digest(const sip::Message& msg, const crypto::RequestCredentials& creds, std::string_view aor,
                           std::string_view client_address);
  AuthResult verify_aka(const sip::Message& msg, const crypto::RequestCredentials& creds, std::string_view aor,
                        std::string_view client_address);
  // A challenge of the scheme the subscriber uses; for an unknown identity a scheme chosen
  // by a keyed hash of it, matching the population's mix (see decoy_is_aka).
  AuthResult challenge_for(const crypto::RequestCredentials& creds, std::string_view aor, std::string_view client_address,
                           bool stale, AuthOutcome outcome, AuthReason reason);
  // No challenge rather than one whose nonce binds nothing: kInternal when no nonce can be
  // made (its MAC or randomness failed; NonceAuthority does not tell which) or Milenage fails,
  // kUnavailable without randomness for RAND or a decoy AUTN, the store's code when no SQN
  // can be reserved.
  StatusOr<Challenge> digest_challenge(std::string_view identity, std::string_view client_address, bool stale);
  StatusOr<Challenge> aka_challenge(const store::Subscriber* sub, std::string_view identity,
                                    std::string_view client_address, bool stale);
  bool decoy_is_aka(std::string_view identity) const;
  std::string digest_binding(std::string_view identity) const;
  // Records the nonce count of verified credentials; kReplay for a missing or repeated nc.
  crypto::NcTracker::Verdict record_nc(const crypto::DigestCredentials& c, int64_t issued_at_ms);

  friend struct AuthenticatorTestPeer;  // tests reach the challenge makers' codes

  AuthenticatorOptions options_;
  store::SubscriberStore& subscribers_;
  std::unique_ptr<crypto::NonceAuthority> nonces_;
  std::mutex nc_mutex_;  // guards nc_ (this authenticator's table, not a process-wide one)
  crypto::NcTracker nc_;
  SqnPool sqns_;
  std::array<uint8_t, 32> decoy_key_{};
  double aka_share_ = 0.5;
};

// RFC 3261 22.4: the Digest uri names the Request-URI. Equal text, or the same SIP URI
// (scheme, unescaped user, host case-insensitively, port).
bool digest_uri_matches(std::string_view digest_uri, std::string_view request_uri);

}  // namespace imsguard::edge
