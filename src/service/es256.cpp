#include "service/es256.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>

namespace imsguard::service {
namespace {

std::string openssl_error() {
  unsigned long code = ERR_get_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

bool is_p256(EVP_PKEY* key) {
  if (EVP_PKEY_base_id(key) != EVP_PKEY_EC) return false;
  char name[64] = {0};
  size_t len = 0;
  if (EVP_PKEY_get_group_name(key, name, sizeof name, &len) != 1) return false;
  return std::string_view(name, len) == "prime256v1" || std::string_view(name, len) == "P-256";
}

FILE* open_file(const std::string& path) { return std::fopen(path.c_str(), "rb"); }

}  // namespace

Es256Key::Es256Key(EVP_PKEY* key) : key_(key, EVP_PKEY_free) {}

StatusOr<Es256Key> Es256Key::load_private(const std::string& pem_path) {
  FILE* f = open_file(pem_path);
  if (!f) return not_found_error("cannot open " + pem_path);
  EVP_PKEY* key = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!key) return invalid_argument(pem_path + ": not a PEM private key (" + openssl_error() + ")");
  if (!is_p256(key)) {
    EVP_PKEY_free(key);
    return invalid_argument(pem_path + ": ES256 needs an EC P-256 key");
  }
  return Es256Key(key);
}

StatusOr<Es256Key> Es256Key::load_certificate(const std::string& pem_path) {
  FILE* f = open_file(pem_path);
  if (!f) return not_found_error("cannot open " + pem_path);
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!cert) return invalid_argument(pem_path + ": not a PEM certificate (" + openssl_error() + ")");
  EVP_PKEY* key = X509_get_pubkey(cert);
  X509_free(cert);
  if (!key || !is_p256(key)) {
    if (key) EVP_PKEY_free(key);
    return invalid_argument(pem_path + ": ES256 needs an EC P-256 certificate key");
  }
  return Es256Key(key);
}

Es256Key Es256Key::generate() { return Es256Key(EVP_EC_gen("P-256")); }

std::vector<uint8_t> Es256Key::sign(std::string_view data) const {
  std::vector<uint8_t> out;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t der_len = 0;
  std::vector<uint8_t> der;
  bool ok = ctx && EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_.get()) == 1 &&
            EVP_DigestSign(ctx, nullptr, &der_len, reinterpret_cast<const unsigned char*>(data.data()),
                           data.size()) == 1;
  if (ok) {
    der.resize(der_len);
    ok = EVP_DigestSign(ctx, der.data(), &der_len, reinterpret_cast<const unsigned char*>(data.data()),
                        data.size()) == 1;
  }
  EVP_MD_CTX_free(ctx);
  if (!ok) {
    ERR_clear_error();
    return out;
  }
  const unsigned char* p = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len));
  if (!sig) return out;
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  out.resize(64);
  if (BN_bn2binpad(r, out.data(), 32) != 32 || BN_bn2binpad(s, out.data() + 32, 32) != 32) out.clear();
  ECDSA_SIG_free(sig);
  return out;
}

bool Es256Key::verify(std::string_view data, const std::vector<uint8_t>& signature) const {
  if (signature.size() != 64) return false;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(signature.data(), 32, nullptr);
  BIGNUM* s = BN_bin2bn(signature.data() + 32, 32, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return false;
  }
  unsigned char* der = nullptr;
  int der_len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (der_len <= 0) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key_.get()) == 1 &&
            EVP_DigestVerify(ctx, der, static_cast<size_t>(der_len),
                             reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  OPENSSL_free(der);
  ERR_clear_error();
  return ok;
}

}  // namespace imsguard::service
