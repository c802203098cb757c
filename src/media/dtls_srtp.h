#pragma once
// DTLS-SRTP (RFC 5763/5764): the SRTP master keys come out of a DTLS 1.2 handshake on the
// media path (OpenSSL's use_srtp extension and the "EXTRACTOR-dtls_srtp" exporter), so they
// never appear in signaling. The peer is authenticated by the a=fingerprint its SDP carried
// (SHA-256 of its certificate), which is why a self-signed certificate per endpoint is
// enough. The endpoint is transport-free: datagrams in, datagrams out, so the service box,
// the client and the unit tests drive it over whatever socket (or none) they have.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "media/srtp_suite.h"
#include "sip/sdp.h"

namespace imsguard::media {

// A self-signed ECDSA P-256 certificate and its key, created per process or per call.
class DtlsIdentity {
 public:
  // kInternal when OpenSSL cannot make the key or the certificate.
  static StatusOr<std::shared_ptr<DtlsIdentity>> generate();
  ~DtlsIdentity();
  DtlsIdentity(const DtlsIdentity&) = delete;
  DtlsIdentity& operator=(const DtlsIdentity&) = delete;

  // a=fingerprint:sha-256 XX:XX:... of the certificate.
  const sip::SdpFingerprint& fingerprint() const { return fingerprint_; }
  void* certificate() const { return cert_; }  // X509*
  void* private_key() const { return key_; }   // EVP_PKEY*

 private:
  DtlsIdentity() = default;
  void* cert_ = nullptr;
  void* key_ = nullptr;
  sip::SdpFingerprint fingerprint_;
};

// "sha-256" and the colon-separated uppercase hex of SHA-256(DER).
sip::SdpFingerprint make_fingerprint(std::span<const uint8_t> sha256);

// RFC 7983 demultiplexing on the first byte of a datagram.
inline bool is_dtls_datagram(std::span<const uint8_t> d) { return !d.empty() && d[0] >= 20 && d[0] <= 63; }
inline bool is_rtp_or_rtcp_datagram(std::span<const uint8_t> d) { return !d.empty() && d[0] >= 128 && d[0] <= 191; }

struct DtlsSrtpKeys {
  SrtpSuite suite = SrtpSuite::kAesCm128HmacSha1_80;
  std::vector<uint8_t> local;   // master key || salt we protect with
  std::vector<uint8_t> remote;  // the peer's, we unprotect with
};

class DtlsSrtpEndpoint {
 public:
  enum class Role { kClient, kServer };  // a=setup active = client, passive = server
  enum class State { kHandshaking, kConnected, kFailed };

  // `remote_fingerprint` is what the peer's SDP said; `suites` those we accept. kInvalid: no
  // identity or no suite; kInternal: OpenSSL refused.
  static StatusOr<std::unique_ptr<DtlsSrtpEndpoint>> create(std::shared_ptr<DtlsIdentity> identity, Role role,
                                                            sip::SdpFingerprint remote_fingerprint,
                                                            const std::vector<SrtpSuite>& suites);
  ~DtlsSrtpEndpoint();
  DtlsSrtpEndpoint(const DtlsSrtpEndpoint&) = delete;
  DtlsSrtpEndpoint& operator=(const DtlsSrtpEndpoint&) = delete;

  // Client: sends the ClientHello (see take_outgoing). Server: nothing to do.
  void start();
  // A DTLS datagram from the peer.
  void on_datagram(std::span<const uint8_t> datagram);
  // The retransmission timer (RFC 6347 4.2.4): call when next_timeout() has passed.
  void on_timer();
  // When on_timer() is next due; nullopt when no timer runs.
  std::optional<std::chrono::steady_clock::duration> next_timeout() const;
  // Datagrams to send to the peer, oldest first.
  std::vector<std::vector<uint8_t>> take_outgoing();

  State state() const { return state_; }
  const std::string& error() const { return error_; }
  // Valid in kConnected.
  const DtlsSrtpKeys& keys() const { return keys_; }
  Role role() const { return role_; }

 private:
  DtlsSrtpEndpoint() = default;
  void drive();
  void fail(std::string why);
  void finish();

  std::shared_ptr<DtlsIdentity> identity_;
  Role role_ = Role::kClient;
  sip::SdpFingerprint remote_fp_;
  void* ctx_ = nullptr;  // SSL_CTX*
  void* ssl_ = nullptr;  // SSL*
  void* rbio_ = nullptr;
  void* wbio_ = nullptr;
  State state_ = State::kHandshaking;
  std::string error_;
  DtlsSrtpKeys keys_;
  std::vector<std::vector<uint8_t>> outgoing_;
};

}  // namespace imsguard::media
