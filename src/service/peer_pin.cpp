#include "service/peer_pin.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <cstring>

namespace imsguard::service {

StatusOr<CertFingerprint> certificate_fingerprint(const std::string& pem_path) {
  FILE* f = std::fopen(pem_path.c_str(), "rb");
  if (!f) return not_found_error("cannot open certificate " + pem_path);
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!cert) return invalid_argument(pem_path + ": not a PEM certificate");
  CertFingerprint fp{};
  unsigned int len = 0;
  bool ok = X509_digest(cert, EVP_sha256(), fp.data(), &len) == 1 && len == fp.size();
  X509_free(cert);
  if (!ok) return internal_error(pem_path + ": cannot hash certificate");
  return fp;
}

void pin_peer_certificate(asio::ssl::context& ctx, const CertFingerprint& expected) {
  ctx.set_verify_callback([expected](bool preverified, asio::ssl::verify_context& vctx) {
    if (!preverified) return false;
    X509_STORE_CTX* store = vctx.native_handle();
    if (X509_STORE_CTX_get_error_depth(store) != 0) return true;  // CA levels: chain check only
    X509* leaf = X509_STORE_CTX_get_current_cert(store);
    CertFingerprint fp{};
    unsigned int len = 0;
    if (!leaf || X509_digest(leaf, EVP_sha256(), fp.data(), &len) != 1 || len != fp.size()) return false;
    return std::memcmp(fp.data(), expected.data(), fp.size()) == 0;
  });
}

}  // namespace imsguard::service
