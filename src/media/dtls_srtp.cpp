#include "media/dtls_srtp.h"

#include "crypto/openssl_error.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>

namespace imsguard::media {
namespace {

using crypto::openssl_error;

constexpr char kExporterLabel[] = "EXTRACTOR-dtls_srtp";

std::optional<std::vector<uint8_t>> cert_sha256(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha256(), md, &len) != 1) return std::nullopt;
  return std::vector<uint8_t>(md, md + len);
}

// The peer is authenticated by the SDP fingerprint after the handshake; chain validation
// of a self-signed certificate has nothing to add.
int accept_any_certificate(int, X509_STORE_CTX*) { return 1; }

}  // namespace

sip::SdpFingerprint make_fingerprint(std::span<const uint8_t> sha256) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  sip::SdpFingerprint f;
  f.hash = "sha-256";
  for (size_t i = 0; i < sha256.size(); ++i) {
    if (i) f.value.push_back(':');
    f.value.push_back(kHex[sha256[i] >> 4]);
    f.value.push_back(kHex[sha256[i] & 0xf]);
  }
  return f;
}

StatusOr<std::shared_ptr<DtlsIdentity>> DtlsIdentity::generate() {
  std::shared_ptr<DtlsIdentity> id(new DtlsIdentity);
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (!key) {
    return internal_error(openssl_error("cannot generate the DTLS key"));
  }
  id->key_ = key;
  X509* cert = X509_new();
  if (!cert) {
    return internal_error(openssl_error("X509_new"));
  }
  id->cert_ = cert;
  unsigned char serial[8];
  bool drawn = RAND_bytes(serial, sizeof serial) == 1;
  serial[0] &= 0x7f;
  BIGNUM* bn = drawn ? BN_bin2bn(serial, sizeof serial, nullptr) : nullptr;
  bool ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != nullptr;
  BN_free(bn);
  ok = ok && X509_set_version(cert, 2) == 1;
  ok = ok && X509_gmtime_adj(X509_getm_notBefore(cert), -86400) && X509_gmtime_adj(X509_getm_notAfter(cert), 30L * 86400);
  X509_NAME* name = X509_get_subject_name(cert);
  ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("imsguard-dtls"),
                                        -1, -1, 0) == 1;
  ok = ok && X509_set_issuer_name(cert, name) == 1 && X509_set_pubkey(cert, key) == 1;
  ok = ok && X509_sign(cert, key, EVP_sha256()) > 0;
  if (!ok) {
    return internal_error(openssl_error("cannot create the DTLS certificate"));
  }
  auto digest = cert_sha256(cert);
  if (!digest) {
    return internal_error(openssl_error("cannot hash the DTLS certificate"));
  }
  id->fingerprint_ = make_fingerprint(*digest);
  return id;
}

DtlsIdentity::~DtlsIdentity() {
  X509_free(static_cast<X509*>(cert_));
  EVP_PKEY_free(static_cast<EVP_PKEY*>(key_));
}

StatusOr<std::unique_ptr<DtlsSrtpEndpoint>> DtlsSrtpEndpoint::create(std::shared_ptr<DtlsIdentity> identity,
                                                                     Role role, sip::SdpFingerprint remote_fingerprint,
                                                                     const std::vector<SrtpSuite>& suites) {
  if (!identity) {
    return invalid_argument("no DTLS identity");
  }
  if (suites.empty()) {
    return invalid_argument("no SRTP protection profile enabled");
  }
  std::unique_ptr<DtlsSrtpEndpoint> e(new DtlsSrtpEndpoint);
  e->identity_ = std::move(identity);
  e->role_ = role;
  e->remote_fp_ = std::move(remote_fingerprint);
  SSL_CTX* ctx = SSL_CTX_new(DTLS_method());
  if (!ctx) {
    return internal_error(openssl_error("SSL_CTX_new(DTLS)"));
  }
  e->ctx_ = ctx;
  SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION);
  std::string profiles;
  for (SrtpSuite s : suites) profiles += (profiles.empty() ? "" : ":") + std::string(suite_info(s).dtls_name);
  // Returns 0 on success (unlike most of OpenSSL).
  if (SSL_CTX_set_tlsext_use_srtp(ctx, profiles.c_str()) != 0) {
    return internal_error(openssl_error("SSL_CTX_set_tlsext_use_srtp"));
  }
  if (SSL_CTX_use_certificate(ctx, static_cast<X509*>(e->identity_->certificate())) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, static_cast<EVP_PKEY*>(e->identity_->private_key())) != 1) {
    return internal_error(openssl_error("DTLS certificate"));
  }
  // Both sides present a certificate (RFC 5763 5): the server asks for the client's.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any_certificate);
  SSL* ssl = SSL_new(ctx);
  if (!ssl) {
    return internal_error(openssl_error("SSL_new"));
  }
  e->ssl_ = ssl;
  BIO* rbio = BIO_new(BIO_s_mem());
  BIO* wbio = BIO_new(BIO_s_mem());
  if (!rbio || !wbio) {
    BIO_free(rbio);
    BIO_free(wbio);
    return internal_error("cannot allocate DTLS buffers");
  }
  BIO_set_mem_eof_return(rbio, -1);
  BIO_set_mem_eof_return(wbio, -1);
  SSL_set_bio(ssl, rbio, wbio);
  e->rbio_ = rbio;
  e->wbio_ = wbio;
  SSL_set_options(ssl, SSL_OP_NO_QUERY_MTU);
  DTLS_set_link_mtu(ssl, 1200);
  if (role == Role::kClient) SSL_set_connect_state(ssl);
  else SSL_set_accept_state(ssl);
  return std::unique_ptr<DtlsSrtpEndpoint>(std::move(e));
}

DtlsSrtpEndpoint::~DtlsSrtpEndpoint() {
  SSL_free(static_cast<SSL*>(ssl_));  // frees both BIOs
  SSL_CTX_free(static_cast<SSL_CTX*>(ctx_));
}

void DtlsSrtpEndpoint::fail(std::string why) {
  state_ = State::kFailed;
  error_ = std::move(why);
}

void DtlsSrtpEndpoint::drive() {
  SSL* ssl = static_cast<SSL*>(ssl_);
  if (state_ == State::kHandshaking) {
    int rc = SSL_do_handshake(ssl);
    if (rc == 1) {
      finish();
    } else {
      int err = SSL_get_error(ssl, rc);
      if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) fail(openssl_error("DTLS handshake failed"));
    }
  } else if (state_ == State::kConnected) {
    // Post-handshake records (alerts, retransmitted Finished): consume them.
    unsigned char sink[2048];
    while (SSL_read(ssl, sink, sizeof sink) > 0) {
    }
    if (SSL_get_shutdown(ssl) & SSL_RECEIVED_SHUTDOWN) fail("the peer closed DTLS");
  }
  BIO* wbio = static_cast<BIO*>(wbio_);
  while (BIO_ctrl_pending(wbio) > 0) {
    std::vector<uint8_t> d(BIO_ctrl_pending(wbio));
    int n = BIO_read(wbio, d.data(), static_cast<int>(d.size()));
    if (n <= 0) break;
    d.resize(static_cast<size_t>(n));
    outgoing_.push_back(std::move(d));
  }
  ERR_clear_error();
}

void DtlsSrtpEndpoint::finish() {
  SSL* ssl = static_cast<SSL*>(ssl_);
  X509* peer = SSL_get1_peer_certificate(ssl);
  if (!peer) return fail("the peer presented no certificate");
  auto digest = cert_sha256(peer);
  X509_free(peer);
  auto expected = remote_fp_.bytes();
  if (!digest || !expected || *digest != *expected)
    return fail("the peer's certificate does not match the a=fingerprint of its SDP");
  SRTP_PROTECTION_PROFILE* profile = SSL_get_selected_srtp_profile(ssl);
  if (!profile) return fail("the peer negotiated no SRTP protection profile (use_srtp)");
  auto suite = suite_from_dtls_name(profile->name);
  if (!suite) return fail(std::string("unexpected SRTP profile ") + profile->name);
  const auto& info = suite_info(*suite);
  size_t kl = info.key_len, sl = info.salt_len;
  std::vector<uint8_t> material(2 * (kl + sl));
  if (SSL_export_keying_material(ssl, material.data(), material.size(), kExporterLabel, sizeof kExporterLabel - 1,
                                 nullptr, 0, 0) != 1)
    return fail(openssl_error("SSL_export_keying_material"));
  // RFC 5764 4.2: client key | server key | client salt | server salt.
  auto part = [&](size_t off, size_t len) { return std::vector<uint8_t>(material.begin() + off, material.begin() + off + len); };
  std::vector<uint8_t> client = part(0, kl), server = part(kl, kl);
  auto cs = part(2 * kl, sl), ss = part(2 * kl + sl, sl);
  client.insert(client.end(), cs.begin(), cs.end());
  server.insert(server.end(), ss.begin(), ss.end());
  keys_.suite = *suite;
  keys_.local = role_ == Role::kClient ? client : server;
  keys_.remote = role_ == Role::kClient ? server : client;
  std::fill(material.begin(), material.end(), 0);
  state_ = State::kConnected;
}

void DtlsSrtpEndpoint::start() {
  if (role_ == Role::kClient && state_ == State::kHandshaking) drive();
}

void DtlsSrtpEndpoint::on_datagram(std::span<const uint8_t> d) {
  if (state_ == State::kFailed || d.empty() || d.size() > 65535) return;
  BIO_write(static_cast<BIO*>(rbio_), d.data(), static_cast<int>(d.size()));
  drive();
}

void DtlsSrtpEndpoint::on_timer() {
  if (state_ != State::kHandshaking) return;
  if (DTLSv1_handle_timeout(static_cast<SSL*>(ssl_)) < 0) {
    fail(openssl_error("DTLS handshake timed out"));
    return;
  }
  drive();
}

std::optional<std::chrono::steady_clock::duration> DtlsSrtpEndpoint::next_timeout() const {
  if (state_ != State::kHandshaking) return std::nullopt;
  timeval tv{};
  if (DTLSv1_get_timeout(static_cast<SSL*>(ssl_), &tv) != 1) return std::nullopt;
  return std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec);
}

std::vector<std::vector<uint8_t>> DtlsSrtpEndpoint::take_outgoing() {
  std::vector<std::vector<uint8_t>> out;
  out.swap(outgoing_);
  return out;
}

}  // namespace imsguard::media
