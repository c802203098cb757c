#include "net/tls_context.h"

#include "crypto/openssl_error.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace imsguard::net {

using crypto::openssl_error;

Status apply_tls_policy(SSL_CTX* raw, const std::string& min_version) {
  int min = min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION;
  SSL_CTX_set_min_proto_version(raw, min);
  SSL_CTX_set_options(raw, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                               SSL_OP_NO_TICKET);
  // TLS 1.2: ECDHE with AEAD only. TLS 1.3: the AEAD suites, named so CCM stays out.
  if (SSL_CTX_set_cipher_list(raw, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                   "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                   "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305") != 1)
    return internal_error(openssl_error("cannot set TLS 1.2 cipher list"));
  if (SSL_CTX_set_ciphersuites(raw, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256") != 1)
    return internal_error(openssl_error("cannot set TLS 1.3 cipher suites"));
  SSL_CTX_set1_groups_list(raw, "X25519:P-256:P-384");
  return {};
}

StatusOr<TlsContextPtr> make_tls_context(const TlsFiles& files, TlsRole role, bool require_peer_cert) {
  auto method = role == TlsRole::kServer ? asio::ssl::context::tls_server : asio::ssl::context::tls_client;
  auto ctx = std::make_shared<asio::ssl::context>(method);
  SSL_CTX* raw = ctx->native_handle();
  if (Status s = apply_tls_policy(raw, files.min_version); !s.ok()) return s;

  if (!files.cert.empty() || role == TlsRole::kServer) {
    if (files.cert.empty() || files.key.empty())
      return invalid_argument("TLS needs a certificate and a key (tls.cert, tls.key); `imsguard pki init` creates them");
    if (SSL_CTX_use_certificate_chain_file(raw, files.cert.c_str()) != 1)
      return invalid_argument(openssl_error("cannot load certificate '" + files.cert + "'"));
    if (SSL_CTX_use_PrivateKey_file(raw, files.key.c_str(), SSL_FILETYPE_PEM) != 1)
      return invalid_argument(openssl_error("cannot load private key '" + files.key +
                                            "', or it does not match certificate '" + files.cert + "'"));
    if (SSL_CTX_check_private_key(raw) != 1)
      return invalid_argument("private key '" + files.key + "' does not match certificate '" + files.cert + "'");
  }
  if (!files.ca.empty()) {
    if (SSL_CTX_load_verify_locations(raw, files.ca.c_str(), nullptr) != 1)
      return invalid_argument(openssl_error("cannot load CA '" + files.ca + "'"));
  }
  if (role == TlsRole::kClient && !files.ca.empty()) {
    SSL_CTX_set_verify(raw, SSL_VERIFY_PEER, nullptr);
  } else if (role == TlsRole::kServer && require_peer_cert) {
    if (files.ca.empty()) return invalid_argument("mutual TLS needs a CA to verify client certificates (tls.ca)");
    SSL_CTX_set_verify(raw, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  return TlsContextPtr(std::move(ctx));
}

}  // namespace imsguard::net
