#pragma once
// Hardened TLS contexts for SIP over TLS (I-C) and the mutual-TLS hops of I-S: TLS 1.2 and
// 1.3 only, ECDHE key exchange, AEAD ciphers, no compression, no renegotiation, no session
// tickets that outlive a key rotation. One place, so every listener and client agrees.
#include <asio/ssl/context.hpp>

#include <memory>
#include <string>

#include "common/status.h"

struct ssl_ctx_st;

namespace imsguard::net {

struct TlsFiles {
  std::string ca;    // CA bundle that verifies the peer (required for mutual TLS)
  std::string cert;  // our certificate chain (PEM)
  std::string key;   // our private key (PEM)
  std::string min_version = "1.2";
};

using TlsContextPtr = std::shared_ptr<asio::ssl::context>;

enum class TlsRole { kServer, kClient };

// The protocol and cipher policy above, applied to a context built elsewhere (the HTTPS
// content server's, made by cpp-httplib): TLS 1.2 ECDHE with AES-GCM or ChaCha20-Poly1305,
// TLS 1.3 AEAD suites, no CBC. kInternal with the OpenSSL error.
Status apply_tls_policy(ssl_ctx_st* ctx, const std::string& min_version);

// `require_peer_cert`: servers demand and verify a client certificate (mTLS); clients
// always verify the server against `ca` when it is given. kInvalid: files missing, unreadable
// or not matching (the configuration's fault); kInternal: OpenSSL refused the policy.
StatusOr<TlsContextPtr> make_tls_context(const TlsFiles& files, TlsRole role, bool require_peer_cert);

}  // namespace imsguard::net
