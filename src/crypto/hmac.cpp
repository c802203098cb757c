#include "crypto/hmac.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <climits>

namespace imsguard::crypto {

std::optional<Sha256Mac> hmac_sha256(std::span<const uint8_t> key, std::string_view data) {
  if (key.size() > static_cast<size_t>(INT_MAX)) return std::nullopt;
  Sha256Mac out{};
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
           data.size(), out.data(), &len) == nullptr ||
      len != out.size())
    return std::nullopt;
  return out;
}

}  // namespace imsguard::crypto
