// libFuzzer target for the Digest header parsers: Authorization / Proxy-Authorization
// credentials (parsed for every REGISTER from anyone) and WWW-Authenticate challenges (the
// client side). Beyond "no crash": a parsed challenge written back by build_challenge parses
// to the same realm, nonce and opaque (the escaping and the unescaping agree).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "crypto/digest_header.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace imsguard::crypto;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto header = parse_auth_header(text);
  if (header.ok() == !header.message().empty()) std::abort();  // exactly one of the two
  if (header.ok()) {
    for (const AuthParam& p : header->params) {
      if (header->find(p.name) == nullptr) std::abort();  // every parsed name is found
    }
  }
  auto credentials = parse_digest_credentials(text);
  if (credentials.ok() && !header.ok()) std::abort();  // credentials are an auth header
  auto challenge = parse_digest_challenge(text);
  // A quoted-pair may carry a control character (RFC 3261 25.1 allows "\" %x00-09), which
  // build_challenge drops on purpose: the round trip is checked for the other values.
  auto plain = [](const std::string& v) {
    for (unsigned char ch : v)
      if (ch < 0x20 || ch == 0x7f) return false;
    return true;
  };
  if (challenge.ok() && plain(challenge->realm) && plain(challenge->nonce) &&
      plain(challenge->opaque)) {
    const DigestChallenge& c = *challenge;
    ChallengeParams p;
    p.realm = c.realm;
    p.nonce = c.nonce;
    p.opaque = c.opaque;
    p.stale = c.stale;
    auto again = parse_digest_challenge(build_challenge(c.algorithm, p));
    if (!again.ok() || again->realm != c.realm || again->nonce != c.nonce ||
        again->opaque != c.opaque)
      std::abort();
  }
  return 0;
}
