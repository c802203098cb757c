#pragma once
// The service box as a media source: answers INVITE for the `media` service with an SDP
// answer chosen by the SRTP policy (media.srtp_policy), then streams the PCMU tone from a
// fresh UDP port, SRTP-protected when negotiated (SDES or DTLS-SRTP), with SRTCP sender
// reports. A stream ends on BYE, after its packet budget, or when the sink's port becomes
// unreachable. Every negotiation is audited (counter + security event, see
// media/negotiation.h).
//
// SDES keys reaching the box crossed the core-box hop over mutual TLS; the client-edge hop
// is covered by the edge, which strips a=crypto from SDP arriving over non-TLS flows
// (media::strip_sdes_for_plain_flow), so the box treats a=crypto it sees as usable.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "config/config.h"
#include "media/dtls_srtp.h"
#include "media/media_pump.h"
#include "media/negotiation.h"
#include "sip/message.h"

namespace imsguard::service {

struct MediaServiceOptions {
  config::Media media;
  std::string media_address = "127.0.0.1";  // where the box's RTP sockets bind
  uint32_t max_packets = 1500;              // per stream: 30 s at 50 packets/s
};

class MediaService {
 public:
  explicit MediaService(MediaServiceOptions options);
  ~MediaService();

  // Checks the suites, makes the DTLS identity and starts the pump; "" or an error.
  std::string start();
  void stop();

  // The whole response (200 with the SDP answer, 488 with the reason, 400 for a body that is
  // not SDP) to an INVITE for the media service. `identity` (the asserted caller) and
  // `source` go into the audit event.
  std::string handle_invite(const sip::Message& invite, std::string_view to_tag, std::string_view contact,
                            std::string_view identity, std::string_view source);
  // Ends the stream of that dialog (Call-ID); the 200 (or 481) to send.
  std::string handle_bye(const sip::Message& bye, std::string_view to_tag);

  size_t active_streams() const { return pump_.active(); }
  const media::MediaPump& pump() const { return pump_; }

 private:
  std::string respond(const sip::Message& req, int code, std::string_view reason, std::string_view to_tag,
                      std::string_view contact = {}, std::string_view sdp = {});

  MediaServiceOptions options_;
  media::MediaPolicy policy_;
  std::shared_ptr<media::DtlsIdentity> identity_;
  media::MediaPump pump_;
  std::mutex mutex_;
  std::map<std::string, uint64_t> calls_;  // Call-ID -> stream id
};

}  // namespace imsguard::service
