#pragma once
// The digest hash functions SIP Digest names (RFC 7616 / RFC 8760), over OpenSSL EVP.
#include <optional>
#include <string>
#include <string_view>

namespace imsguard::crypto {

enum class HashAlgorithm { kMd5, kSha256, kSha512_256 };

// The RFC 8760 token: "MD5", "SHA-256", "SHA-512-256".
std::string_view hash_algorithm_name(HashAlgorithm alg);
// Parses a token (case-insensitive, a "-sess" suffix is not accepted here).
std::optional<HashAlgorithm> parse_hash_algorithm(std::string_view name);

// Lowercase hex digest of data.
std::string hex_digest(HashAlgorithm alg, std::string_view data);

// HA1 = H(username ":" realm ":" password): what the subscriber store keeps instead of a
// password.
std::string digest_ha1(HashAlgorithm alg, std::string_view username, std::string_view realm,
                       std::string_view password);

}  // namespace imsguard::crypto
