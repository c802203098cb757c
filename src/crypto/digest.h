#pragma once
// SIP Digest authentication (RFC 3261 section 22 with RFC 7616 / RFC 8760 algorithms, and
// the AKA variants of RFC 3310 / RFC 4169): the response computation from a stored HA1 (the
// store never keeps a password), and the algorithm tokens. Header syntax lives in
// digest_header.h, the stateless nonces in nonce.h.
#include <optional>
#include <string>
#include <string_view>

#include "crypto/hash.h"
#include "crypto/result.h"

namespace imsguard::crypto {

// The password-side of an algorithm: plain (user password), or AKA (the password derives
// from RES, see digest_aka.h). AKA algorithms always hash with MD5.
enum class DigestAka { kNone, kAkav1, kAkav2 };

// One "algorithm=" token: e.g. SHA-256, MD5-sess, AKAv1-MD5.
struct DigestAlgorithm {
  HashAlgorithm hash = HashAlgorithm::kMd5;
  bool session = false;  // the "-sess" variants: HA1' = H(HA1 ":" nonce ":" cnonce)
  DigestAka aka = DigestAka::kNone;

  friend bool operator==(const DigestAlgorithm&, const DigestAlgorithm&) = default;
};

inline constexpr DigestAlgorithm kDigestMd5{HashAlgorithm::kMd5, false, DigestAka::kNone};
inline constexpr DigestAlgorithm kDigestSha256{HashAlgorithm::kSha256, false, DigestAka::kNone};
inline constexpr DigestAlgorithm kDigestSha512_256{HashAlgorithm::kSha512_256, false, DigestAka::kNone};
inline constexpr DigestAlgorithm kDigestAkav1Md5{HashAlgorithm::kMd5, false, DigestAka::kAkav1};
inline constexpr DigestAlgorithm kDigestAkav2Md5{HashAlgorithm::kMd5, false, DigestAka::kAkav2};

// "MD5", "SHA-256-sess", "AKAv1-MD5", ...
std::string digest_algorithm_name(const DigestAlgorithm& alg);
// Case-insensitive. An absent algorithm parameter means MD5 (RFC 7616 3.3): pass "".
std::optional<DigestAlgorithm> parse_digest_algorithm(std::string_view token);

// Everything the response depends on. `ha1` is the stored lowercase-hex
// H(username ":" realm ":" password) of the algorithm's hash (for AKA: the password is the
// derived one; see digest_aka.h). qop empty = the RFC 2069 form without nc/cnonce.
struct DigestInput {
  DigestAlgorithm algorithm;
  std::string_view ha1;
  std::string_view method;
  std::string_view uri;  // the digest-uri parameter as the client sent it
  std::string_view nonce;
  std::string_view nc;      // 8 hex digits, with qop
  std::string_view cnonce;  // with qop or -sess
  std::string_view qop;     // "", "auth" or "auth-int"
  std::string_view body;    // the message body, hashed for auth-int
};

// The expected lowercase-hex response (RFC 7616 3.4.1, RFC 2069 when qop is empty). Errors
// name the missing or malformed input (bad qop, nc not 8 hex digits, -sess without cnonce,
// HA1 of the wrong length).
Result<std::string> digest_response(const DigestInput& in);

// Compares the client's response (hex, either case) with the expected one in constant time.
// false for any input error as well.
bool digest_verify(const DigestInput& in, std::string_view client_response);

}  // namespace imsguard::crypto
