#pragma once
// Mutual TLS on I-S that trusts one peer, not a whole CA: every certificate our private CA
// issued (every edge, every client test certificate) chains to the same root, so "signed
// by our CA" alone would let any of them talk to the service box as if it were the core.
// The leaf certificate must be exactly the configured one (SHA-256 of its DER).
#include <asio/ssl/context.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"

namespace imsguard::service {

using CertFingerprint = std::array<uint8_t, 32>;

// SHA-256 over the DER of the first certificate in a PEM file. kNotFound: no such file;
// kInvalid: not a PEM certificate; kInternal: OpenSSL could not hash it.
StatusOr<CertFingerprint> certificate_fingerprint(const std::string& pem_path);

// Adds to `ctx` (built by net::make_tls_context with peer verification on) a verify
// callback that refuses the handshake unless the peer's leaf certificate has fingerprint
// `expected`. Chain verification by the CA still runs first.
void pin_peer_certificate(asio::ssl::context& ctx, const CertFingerprint& expected);

}  // namespace imsguard::service
