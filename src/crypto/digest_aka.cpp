#include "crypto/digest_aka.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>

#include "common/base64.h"
#include "crypto/hash.h"

namespace imsguard::crypto {

std::string make_aka_nonce(const Rand& rand, const Autn& autn, std::span<const uint8_t> server_data) {
  std::vector<uint8_t> raw;
  raw.reserve(rand.size() + autn.size() + server_data.size());
  raw.insert(raw.end(), rand.begin(), rand.end());
  raw.insert(raw.end(), autn.begin(), autn.end());
  raw.insert(raw.end(), server_data.begin(), server_data.end());
  return base64_encode(raw);
}

Result<AkaNonce> split_aka_nonce(std::string_view nonce) {
  using R = Result<AkaNonce>;
  auto raw = base64_decode(nonce);
  if (!raw) return imsguard::invalid_argument("AKA nonce is not valid base64");
  if (raw->size() < 32) return imsguard::invalid_argument("AKA nonce shorter than RAND || AUTN (32 bytes)");
  AkaNonce n;
  std::copy(raw->begin(), raw->begin() + 16, n.rand.begin());
  std::copy(raw->begin() + 16, raw->begin() + 32, n.autn.begin());
  n.server_data.assign(raw->begin() + 32, raw->end());
  return R(std::move(n));
}

std::string akav1_password(std::span<const uint8_t> res) {
  return std::string(reinterpret_cast<const char*>(res.data()), res.size());
}

std::optional<std::string> akav2_password(std::span<const uint8_t> res, const Ik& ik, const Ck& ck) {
  std::vector<uint8_t> key;
  key.reserve(res.size() + ik.size() + ck.size());
  key.insert(key.end(), res.begin(), res.end());
  key.insert(key.end(), ik.begin(), ik.end());
  key.insert(key.end(), ck.begin(), ck.end());
  static constexpr std::string_view kLabel = "http-digest-akav2-password";
  std::array<uint8_t, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  if (HMAC(EVP_md5(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const uint8_t*>(kLabel.data()),
           kLabel.size(), mac.data(), &len) == nullptr)
    return std::nullopt;
  return base64_encode(std::span<const uint8_t>(mac.data(), len));
}

std::optional<std::string> aka_ha1(DigestAka version, std::string_view username, std::string_view realm,
                                   std::span<const uint8_t> res, const Ik& ik, const Ck& ck) {
  std::string password;
  if (version == DigestAka::kAkav1) {
    password = akav1_password(res);
  } else if (version == DigestAka::kAkav2) {
    auto p = akav2_password(res, ik, ck);
    if (!p) return std::nullopt;
    password = *p;
  } else {
    return std::nullopt;
  }
  return digest_ha1(HashAlgorithm::kMd5, username, realm, password);
}

std::string encode_auts(const Auts& auts) { return base64_encode(auts); }

Result<Auts> decode_auts(std::string_view auts_param) {
  auto raw = base64_decode(auts_param);
  if (!raw) return Result<Auts>(imsguard::invalid_argument("auts is not valid base64"));
  if (raw->size() != 14) return Result<Auts>(imsguard::invalid_argument("auts must decode to 14 bytes"));
  Auts a{};
  std::copy(raw->begin(), raw->end(), a.begin());
  return Result<Auts>(a);
}

}  // namespace imsguard::crypto
