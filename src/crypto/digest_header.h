#pragma once
// The header side of SIP Digest: parsing Authorization / Proxy-Authorization credentials and
// WWW-Authenticate / Proxy-Authenticate challenges (RFC 3261 25.1 auth-param syntax), and
// building challenges in the operator's algorithm order. Kept apart from the hash maths
// because this is the part that faces hostile input.
#include <string>
#include <string_view>
#include <vector>

#include "crypto/digest.h"
#include "crypto/result.h"

namespace imsguard::crypto {

struct AuthParam {
  std::string name;   // lowercased (names are case-insensitive)
  std::string value;  // unquoted, quoted-pairs resolved
  bool quoted = false;
};

// "Scheme param=value, param="quoted", ..."
struct AuthHeader {
  std::string scheme;  // as sent; compare case-insensitively
  std::vector<AuthParam> params;

  const AuthParam* find(std::string_view lowercase_name) const;
  AuthParam* find(std::string_view lowercase_name);
};

// Strict parse of one header value. Errors: no scheme, a malformed param, an unterminated
// quoted string, a CR/LF or control character in a value, a duplicate parameter name
// (case-insensitive), more than 64 parameters.
Result<AuthHeader> parse_auth_header(std::string_view value);

// The Digest credentials the registrar needs.
struct DigestCredentials {
  std::string username, realm, nonce, uri, response;  // required (may be empty: IMS initial REGISTER)
  DigestAlgorithm algorithm;                            // MD5 when absent
  std::string cnonce, opaque, qop, nc;                  // qop "" when absent
  std::string auts;                                     // RFC 3310 resync (base64), "" when absent
  bool has_auts = false;
  bool userhash = false;                                // RFC 7616 userhash=true
};

// Authorization / Proxy-Authorization value. Errors name the problem: not Digest, missing
// required param, unknown algorithm, qop other than auth/auth-int, qop without nc/cnonce,
// nc not 8 hex digits.
Result<DigestCredentials> parse_digest_credentials(std::string_view value);

// A Digest challenge as a client reads it.
struct DigestChallenge {
  std::string realm, nonce, opaque;
  DigestAlgorithm algorithm;
  std::vector<std::string> qop_options;  // from qop="auth,auth-int"
  bool stale = false;
};
Result<DigestChallenge> parse_digest_challenge(std::string_view value);

// What goes into every challenge header of one 401/407.
struct ChallengeParams {
  std::string_view realm;
  std::string_view nonce;
  std::string_view opaque;       // omitted when empty
  std::string_view qop = "auth"; // e.g. "auth" or "auth,auth-int"; omitted when empty
  bool stale = false;            // stale=true: the nonce was ours but expired, no new password prompt
};

// One WWW-Authenticate value: Digest realm="..", nonce="..", algorithm=X, qop="..",
// opaque="..", stale=true. Quotes and backslashes in values are escaped; CR, LF and other
// control characters are dropped so a value can never split the header.
std::string build_challenge(const DigestAlgorithm& alg, const ChallengeParams& p);
// One header value per algorithm, in the given order (RFC 8760: the client picks the first
// it supports, so the order is the operator's preference).
std::vector<std::string> build_challenges(const std::vector<DigestAlgorithm>& order, const ChallengeParams& p);

// SHA-256 then MD5 by default (MD5 kept for old clients); md5_first for deployments whose
// clients pick the first challenge without looking at the algorithm.
std::vector<DigestAlgorithm> default_algorithm_order(bool md5_first = false);
// From config names ("SHA-256", "MD5", ...); error on an unknown or repeated name or an empty list.
Result<std::vector<DigestAlgorithm>> parse_algorithm_order(const std::vector<std::string>& names);

}  // namespace imsguard::crypto
