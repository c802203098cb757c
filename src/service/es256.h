#pragma once
// ES256 (ECDSA P-256 with SHA-256, RFC 7518 3.4) as JWS needs it: raw R||S signatures, not
// DER. The core signs its assertions with the same P-256 key its mutual-TLS certificate
// carries, so the service box verifies them with the certificate it already pins.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace imsguard::service {

// An EC P-256 key (private for signing, or only the public half for verifying).
class Es256Key {
 public:
  // A PEM private key ("-----BEGIN PRIVATE KEY-----" or EC PRIVATE KEY). kNotFound: no such
  // file; kInvalid: not PEM, or not a P-256 key.
  static StatusOr<Es256Key> load_private(const std::string& pem_path);
  // The public key of a PEM certificate (codes as load_private).
  static StatusOr<Es256Key> load_certificate(const std::string& pem_path);
  // A fresh key (tests).
  static Es256Key generate();

  // 64-byte R||S; empty when the key has no private half.
  std::vector<uint8_t> sign(std::string_view data) const;
  // Strict: exactly 64 bytes, and a valid signature over `data`.
  bool verify(std::string_view data, const std::vector<uint8_t>& signature) const;

 private:
  explicit Es256Key(EVP_PKEY* key);
  std::shared_ptr<EVP_PKEY> key_;
};

}  // namespace imsguard::service
