#pragma once
// The client as a media sink: the UDP port its SDP offer names, then, once the answer has
// said how, the checks of media::StreamReceiver on every datagram (SRTP authentication and
// replay, sequence, the expected tone), with DTLS-SRTP run on the same port when that is
// the keying. Kept apart from the SIP side so tests can drive it against any source.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "client/transport.h"
#include "media/dtls_srtp.h"
#include "media/sdes.h"
#include "media/stream_receiver.h"

namespace imsguard::client {

// An outcome struct: the receive statistics are the result, whether or not the stream was
// complete; `error` says why receiving stopped early.
struct SinkResult {
  media::ReceiveStats stats;
  uint64_t reports_sent = 0;  // our (S)RTCP receiver reports
  bool srtp = false;
  std::string suite;     // the SRTP suite in use, when keyed
  // kUnavailable: the DTLS handshake failed or did not finish, the socket failed;
  // kInternal: the keys from the handshake made no SRTP session.
  Status error;
  bool timed_out = false;
};

class MediaSink {
 public:
  // A UDP port on `address` (any free port). kInvalid: `address` is not an IP address;
  // kUnavailable: no socket or the bind failed (the address is not on this host).
  static StatusOr<std::unique_ptr<MediaSink>> open(const std::string& address);
  ~MediaSink();
  MediaSink(const MediaSink&) = delete;
  MediaSink& operator=(const MediaSink&) = delete;

  uint16_t port() const { return port_; }
  uint64_t reports_sent() const { return reports_sent_; }  // RTCP receiver reports
  const std::string& address() const { return address_; }

  // Accept datagrams from the source at address:port only (from the SDP answer). kInvalid:
  // not an IP address; kUnavailable: the connect failed.
  Status connect(const std::string& address, uint16_t port);
  void use_plain();
  // SDES: the answerer's key, which it protects with, and ours of the same tag, which our
  // SRTCP receiver reports are protected with. The SRTP session's code when it refuses one.
  Status use_sdes(const media::SdesKey& remote, const media::SdesKey& local);
  // DTLS-SRTP on this port; the keys come from the handshake. The endpoint's code when it
  // cannot be made.
  Status use_dtls(std::shared_ptr<media::DtlsIdentity> identity, media::DtlsSrtpEndpoint::Role role,
                  const sip::SdpFingerprint& remote, const std::vector<media::SrtpSuite>& suites);

  // Receives until `packets` good packets (counted since open), or the deadline; sends a
  // receiver report (SRTCP when keyed) to the source every second meanwhile.
  SinkResult run(uint32_t packets, Clock::time_point deadline);
  // After the stream should have stopped: drops what is already queued (sent before), then
  // counts the datagrams that still arrive until `until`.
  uint64_t count_late_arrivals(Clock::time_point until);

 private:
  MediaSink() = default;
  void flush_dtls();

  int fd_ = -1;
  uint16_t port_ = 0;
  std::string address_;
  std::unique_ptr<media::StreamReceiver> receiver_;
  std::unique_ptr<media::DtlsSrtpEndpoint> dtls_;
  std::string suite_;
  Status error_;  // why run() stops early (DTLS, SRTP, socket)
  uint64_t early_ = 0;  // media before DTLS finished (cannot be authenticated yet)
  void send_receiver_report();
  std::unique_ptr<media::SrtpSession> tx_;  // our SRTCP; null for plain RTP
  uint32_t ssrc_ = 0;
  Clock::time_point next_report_{};
  uint64_t reports_sent_ = 0;
};

}  // namespace imsguard::client
