#include "media/srtp_kdf.h"

#include <openssl/evp.h>

#include <memory>

namespace imsguard::media {

std::optional<std::vector<uint8_t>> aes_cm_keystream(std::span<const uint8_t> key, std::span<const uint8_t> iv,
                                                     uint64_t first_block, size_t blocks) {
  if (key.size() != 16 || iv.size() != 16) return std::nullopt;
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_ecb(), nullptr, key.data(), nullptr) != 1) return std::nullopt;
  EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
  std::vector<uint8_t> out(blocks * 16);
  for (size_t b = 0; b < blocks; ++b) {
    // counter = IV + (first_block + b), a 128-bit big-endian addition
    uint8_t counter[16];
    uint64_t add = first_block + b;
    unsigned carry = 0;
    for (int i = 15; i >= 0; --i) {
      unsigned sum = iv[static_cast<size_t>(i)] + static_cast<unsigned>(add & 0xff) + carry;
      counter[i] = static_cast<uint8_t>(sum);
      carry = sum >> 8;
      add >>= 8;
    }
    int n = 0;
    if (EVP_EncryptUpdate(ctx.get(), out.data() + b * 16, &n, counter, 16) != 1 || n != 16) return std::nullopt;
  }
  return out;
}

std::optional<std::vector<uint8_t>> derive_session_key(std::span<const uint8_t> master_key,
                                                       std::span<const uint8_t> master_salt, KdfLabel label,
                                                       size_t out_len) {
  if (master_key.size() != 16 || master_salt.size() != 14) return std::nullopt;
  // x = label << 48 XOR master_salt (112 bits; index DIV kdr is 0); IV = x << 16.
  uint8_t iv[16] = {};
  for (size_t i = 0; i < 14; ++i) iv[i] = master_salt[i];
  iv[7] ^= static_cast<uint8_t>(label);
  auto ks = aes_cm_keystream(master_key, iv, 0, (out_len + 15) / 16);
  if (!ks) return std::nullopt;
  ks->resize(out_len);
  return ks;
}

}  // namespace imsguard::media
