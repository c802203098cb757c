#include "media/srtp_openssl.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <srtp2/auth.h>
#include <srtp2/cipher.h>
#include <srtp2/crypto_types.h>

#include <cstring>

namespace imsguard::media {
namespace {

constexpr int kAesKeyLen = 16;
constexpr int kSaltLen = 14;
constexpr int kKeyWithSalt = kAesKeyLen + kSaltLen;  // SRTP_AES_ICM_128_KEY_LEN_WSALT
constexpr int kSha1Len = 20;

// --- AES-ICM-128 (RFC 3711 4.1.1): keystream block i = AES_K(offset XOR iv + i), where the
// offset is the 112-bit salt shifted left by 16 bits. CTR mode's 128-bit big-endian counter
// is exactly that addition.
struct IcmState {
  EVP_CIPHER_CTX* ctx = nullptr;
  uint8_t offset[16] = {};
};

extern const srtp_cipher_type_t kIcmType;

srtp_err_status_t icm_alloc(srtp_cipher_pointer_t* cp, int key_len, int /*tag_len*/) {
  if (key_len != kKeyWithSalt) return srtp_err_status_bad_param;
  auto* state = new IcmState;
  state->ctx = EVP_CIPHER_CTX_new();
  if (state->ctx == nullptr) {
    delete state;
    return srtp_err_status_alloc_fail;
  }
  auto* c = new srtp_cipher_t;
  c->type = &kIcmType;
  c->state = state;
  c->key_len = key_len;
  c->algorithm = SRTP_AES_ICM_128;
  *cp = c;
  return srtp_err_status_ok;
}

srtp_err_status_t icm_dealloc(srtp_cipher_pointer_t c) {
  auto* state = static_cast<IcmState*>(c->state);
  EVP_CIPHER_CTX_free(state->ctx);
  OPENSSL_cleanse(state->offset, sizeof state->offset);
  delete state;
  delete c;
  return srtp_err_status_ok;
}

srtp_err_status_t icm_init(void* sv, const uint8_t* key) {
  auto* state = static_cast<IcmState*>(sv);
  std::memset(state->offset, 0, sizeof state->offset);
  std::memcpy(state->offset, key + kAesKeyLen, kSaltLen);  // the last two octets stay zero
  if (EVP_EncryptInit_ex(state->ctx, EVP_aes_128_ctr(), nullptr, key, nullptr) != 1) return srtp_err_status_init_fail;
  return srtp_err_status_ok;
}

srtp_err_status_t icm_set_iv(void* sv, uint8_t* iv, srtp_cipher_direction_t) {
  auto* state = static_cast<IcmState*>(sv);
  uint8_t counter[16];
  for (int i = 0; i < 16; ++i) counter[i] = static_cast<uint8_t>(state->offset[i] ^ iv[i]);
  if (EVP_EncryptInit_ex(state->ctx, nullptr, nullptr, nullptr, counter) != 1) return srtp_err_status_fail;
  return srtp_err_status_ok;
}

// In place; successive calls after one set_iv continue the keystream (CTR keeps its position).
srtp_err_status_t icm_crypt(void* sv, uint8_t* buffer, unsigned int* octets) {
  auto* state = static_cast<IcmState*>(sv);
  int out = 0;
  if (*octets > static_cast<unsigned int>(INT32_MAX)) return srtp_err_status_bad_param;
  if (EVP_EncryptUpdate(state->ctx, buffer, &out, buffer, static_cast<int>(*octets)) != 1)
    return srtp_err_status_cipher_fail;
  *octets = static_cast<unsigned int>(out);
  return srtp_err_status_ok;
}

// RFC 3711 B.2: key, salt, IV 0; the first two keystream blocks over 32 zero octets.
const uint8_t kIcmTestKey[kKeyWithSalt] = {0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7,
                                           0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c, 0xf0, 0xf1, 0xf2, 0xf3,
                                           0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd};
uint8_t kIcmTestIv[16] = {};
const uint8_t kIcmTestPlain[32] = {};
const uint8_t kIcmTestCipher[32] = {0xe0, 0x3e, 0xad, 0x09, 0x35, 0xc9, 0x5e, 0x80, 0xe1, 0x66, 0xb1,
                                    0x6d, 0xd9, 0x2b, 0x4e, 0xb4, 0xd2, 0x35, 0x13, 0x16, 0x2b, 0x02,
                                    0xd0, 0xf7, 0x2a, 0x43, 0xa2, 0xfe, 0x4a, 0x5f, 0x97, 0xab};
const srtp_cipher_test_case_t kIcmTest = {kKeyWithSalt, kIcmTestKey, kIcmTestIv, 32, kIcmTestPlain, 32,
                                          kIcmTestCipher, 0, nullptr, 0, nullptr};

const srtp_cipher_type_t kIcmType = {icm_alloc,  icm_dealloc, icm_init, nullptr, icm_crypt, icm_crypt,
                                     icm_set_iv, nullptr,     "AES-128 counter mode (OpenSSL)", &kIcmTest,
                                     SRTP_AES_ICM_128};

// --- HMAC-SHA1 (RFC 2104) through EVP_MAC: keyed once, re-initialised per packet.
extern const srtp_auth_type_t kHmacType;

EVP_MAC* hmac_algorithm() {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

srtp_err_status_t hmac_alloc(srtp_auth_pointer_t* ap, int key_len, int out_len) {
  if (key_len < 0 || key_len > kSha1Len || out_len < 0 || out_len > kSha1Len) return srtp_err_status_bad_param;
  if (hmac_algorithm() == nullptr) return srtp_err_status_alloc_fail;
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(hmac_algorithm());
  if (ctx == nullptr) return srtp_err_status_alloc_fail;
  auto* a = new srtp_auth_t;
  a->type = &kHmacType;
  a->state = ctx;
  a->out_len = out_len;
  a->key_len = key_len;
  a->prefix_len = 0;
  *ap = a;
  return srtp_err_status_ok;
}

srtp_err_status_t hmac_dealloc(srtp_auth_pointer_t a) {
  EVP_MAC_CTX_free(static_cast<EVP_MAC_CTX*>(a->state));
  delete a;
  return srtp_err_status_ok;
}

srtp_err_status_t hmac_init(void* sv, const uint8_t* key, int key_len) {
  char digest[] = "SHA1";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(static_cast<EVP_MAC_CTX*>(sv), key, static_cast<size_t>(key_len), params) != 1)
    return srtp_err_status_auth_fail;
  return srtp_err_status_ok;
}

srtp_err_status_t hmac_start(void* sv) {
  // A null key keeps the one set by hmac_init: only the running hash restarts.
  if (EVP_MAC_init(static_cast<EVP_MAC_CTX*>(sv), nullptr, 0, nullptr) != 1) return srtp_err_status_auth_fail;
  return srtp_err_status_ok;
}

srtp_err_status_t hmac_update(void* sv, const uint8_t* data, int octets) {
  if (octets < 0 || EVP_MAC_update(static_cast<EVP_MAC_CTX*>(sv), data, static_cast<size_t>(octets)) != 1)
    return srtp_err_status_auth_fail;
  return srtp_err_status_ok;
}

srtp_err_status_t hmac_compute(void* sv, const uint8_t* data, int octets, int tag_len, uint8_t* tag) {
  if (tag_len < 0 || tag_len > kSha1Len) return srtp_err_status_bad_param;
  if (srtp_err_status_t s = hmac_update(sv, data, octets); s != srtp_err_status_ok) return s;
  uint8_t full[EVP_MAX_MD_SIZE];
  size_t len = 0;
  if (EVP_MAC_final(static_cast<EVP_MAC_CTX*>(sv), full, &len, sizeof full) != 1 || len != kSha1Len)
    return srtp_err_status_auth_fail;
  std::memcpy(tag, full, static_cast<size_t>(tag_len));
  OPENSSL_cleanse(full, sizeof full);
  return srtp_err_status_ok;
}

// RFC 2202 test case 1.
const uint8_t kHmacTestKey[20] = {0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
                                  0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b};
const uint8_t kHmacTestData[8] = {'H', 'i', ' ', 'T', 'h', 'e', 'r', 'e'};
const uint8_t kHmacTestTag[20] = {0xb6, 0x17, 0x31, 0x86, 0x55, 0x05, 0x72, 0x64, 0xe2, 0x8b,
                                  0xc0, 0xb6, 0xfb, 0x37, 0x8c, 0x8e, 0xf1, 0x46, 0xbe, 0x00};
const srtp_auth_test_case_t kHmacTest = {20, kHmacTestKey, 8, kHmacTestData, 20, kHmacTestTag, nullptr};

const srtp_auth_type_t kHmacType = {hmac_alloc,  hmac_dealloc, hmac_init, hmac_compute, hmac_update, hmac_start,
                                    "HMAC-SHA1 (OpenSSL)", &kHmacTest, SRTP_HMAC_SHA1};

}  // namespace

std::string install_openssl_srtp_primitives() {
  if (srtp_err_status_t s = srtp_replace_cipher_type(&kIcmType, SRTP_AES_ICM_128); s != srtp_err_status_ok)
    return "AES-ICM-128 on OpenSSL refused by libsrtp (status " + std::to_string(s) + ")";
  if (srtp_err_status_t s = srtp_replace_auth_type(&kHmacType, SRTP_HMAC_SHA1); s != srtp_err_status_ok)
    return "HMAC-SHA1 on OpenSSL refused by libsrtp (status " + std::to_string(s) + ")";
  return {};
}

}  // namespace imsguard::media
