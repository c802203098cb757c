#include "crypto/hash.h"

#include "crypto/hex.h"

#include <openssl/evp.h>

#include <array>
#include <cctype>

namespace imsguard::crypto {

std::string_view hash_algorithm_name(HashAlgorithm alg) {
  switch (alg) {
    case HashAlgorithm::kMd5: return "MD5";
    case HashAlgorithm::kSha256: return "SHA-256";
    case HashAlgorithm::kSha512_256: return "SHA-512-256";
  }
  return "MD5";
}

std::optional<HashAlgorithm> parse_hash_algorithm(std::string_view name) {
  auto iequals = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
        return false;
    return true;
  };
  if (iequals(name, "MD5")) return HashAlgorithm::kMd5;
  if (iequals(name, "SHA-256")) return HashAlgorithm::kSha256;
  if (iequals(name, "SHA-512-256")) return HashAlgorithm::kSha512_256;
  return std::nullopt;
}

namespace {

// OpenSSL 3 looks a digest up by name (under its store's lock) on every EVP_Digest given
// EVP_md5() and the like; a digest fetched once is used as it is. Digest answers hash three
// times per registration, so the lookups were a visible share of it. Fetched once, kept for
// the process; a provider without the algorithm falls back to the built-in handle.
struct FetchedDigests {
  EVP_MD* md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  EVP_MD* sha512_256 = EVP_MD_fetch(nullptr, "SHA2-512/256", nullptr);
};

const EVP_MD* evp_for(HashAlgorithm alg) {
  static const FetchedDigests fetched;
  switch (alg) {
    case HashAlgorithm::kMd5: return fetched.md5 ? fetched.md5 : EVP_md5();
    case HashAlgorithm::kSha256: return fetched.sha256 ? fetched.sha256 : EVP_sha256();
    case HashAlgorithm::kSha512_256: return fetched.sha512_256 ? fetched.sha512_256 : EVP_sha512_256();
  }
  return EVP_md5();
}

}  // namespace

std::string hex_digest(HashAlgorithm alg, std::string_view data) {
  std::array<uint8_t, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md.data(), &len, evp_for(alg), nullptr);
  return to_hex(std::span<const uint8_t>(md.data(), len));
}

std::string digest_ha1(HashAlgorithm alg, std::string_view username, std::string_view realm,
                       std::string_view password) {
  std::string a1;
  a1.reserve(username.size() + realm.size() + password.size() + 2);
  a1.append(username).append(":").append(realm).append(":").append(password);
  return hex_digest(alg, a1);
}

}  // namespace imsguard::crypto
