#pragma once
// The credentials of one request, read once when the edge receives it and then handed, as
// one object, to every reader: the guards (rate limit, brute force, challenge cap) key on
// `impi`, the authenticator verifies `creds`. Before this, the guards took the first
// Authorization header with one lexer and the authenticator the one for our realm with
// another, so a decoy header or an escaped username let guesses through uncounted (issue 17
// F1). Selection: Digest headers whose realm is ours; exactly one is used, several are an
// error, others (another realm, another scheme) are ignored.
#include "crypto/digest_header.h"
#include "crypto/nonce.h"
#include "sip/header_id.h"
#include "sip/message.h"

#include <string>
#include <string_view>

namespace imsguard::crypto {

enum class CredentialsFound : uint8_t {
  kNone,        // no Authorization (or Proxy-Authorization) at all
  kOtherRealm,  // only credentials for another realm or another scheme: ignored
  kOurs,        // exactly one Digest for our realm: `creds`
  kMalformed,   // a Digest header that does not parse (whatever its realm)
  kAmbiguous,   // more than one for our realm: which one would a guard count?
};

// Whether the nonce of `creds` is one we issued to this source for this identity, still
// valid; filled by the authenticator (it holds the nonce secret) before any guard runs.
enum class NonceProof : uint8_t {
  kNotChecked,  // no nonce (initial REGISTER), or no authenticator (external core)
  kValid,       // ours, for this source and identity, fresh: the sender saw our challenge
  kStale,       // ours and for them, but expired
  kOtherIdentity,  // ours and for this source, but issued for another identity
  kNotOurs,     // forged, for another source, or from another edge process / secret
};

struct RequestCredentials {
  CredentialsFound found = CredentialsFound::kNone;
  DigestCredentials creds;  // kOurs only
  // The private identity the request claims, lowercased user@host: the username of `creds`
  // (with the To host when it has no '@'), else the To URI's unescaped user@host. The one
  // key of every per-identity guard and of the nonce binding.
  std::string impi;
  bool impi_from_credentials = false;
  NonceProof proof = NonceProof::kNotChecked;
  int64_t nonce_issued_at_ms = 0;  // kValid / kStale

  // The sender answered a challenge we sent to its address for this identity.
  bool proves_challenge_seen() const { return proof == NonceProof::kValid || proof == NonceProof::kStale; }
};

// Reads `header` (Authorization or Proxy-Authorization) of `msg` for `realm`.
RequestCredentials read_credentials(const sip::Message& msg, sip::HeaderId header, std::string_view realm);

// The lowercased user@host of a username, with `to_host` added when it has none.
std::string impi_key(std::string_view username, std::string_view to_host);
// The lowercased unescaped user@host of the To URI (the identity of a request without
// credentials for us).
std::string to_impi(const sip::Message& msg);

}  // namespace imsguard::crypto
