#pragma once
// The service box as a media source: answers INVITE for the `media` service with an SDP
// answer chosen by the SRTP policy (media.srtp_policy), then streams the PCMU tone from a
// fresh UDP port, SRTP-protected when negotiated (SDES or DTLS-SRTP), with SRTCP sender
// reports. A stream ends on BYE, after its packet budget, or when the sink's port becomes
// unreachable. Every negotiation is audited (counter + security event, see
// media/negotiation.h).
//
// Not a reflector (F9): a stream goes only to the IP address of the signalling flow that
// negotiated it (signed by the core into the assertion), at the port the SDP names; the
// address the SDP names is ignored. Streams are capped per subscriber and in all
// (media.max_sessions_per_subscriber, media.max_sessions); refusals are counted, with one
// security event per episode (from the first refusal until the subscriber, or the box,
// is below its cap again), not one per INVITE.
//
// SDES keys reaching the box crossed the core-box hop over mutual TLS; the client-edge hop
// is covered by the core, which strips a=crypto from SDP arriving over non-TLS flows
// (media::strip_sdes_for_plain_flow in CoreRouter), so the box treats a=crypto it sees as
// usable.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/status.h"
#include "config/config.h"
#include "media/dtls_srtp.h"
#include "media/media_pump.h"
#include "media/negotiation.h"
#include "ops/counters.h"
#include "ops/events.h"
#include "sip/message.h"

namespace imsguard::service {

struct MediaServiceOptions {
  config::Media media;
  std::string media_address = "127.0.0.1";  // where the box's RTP sockets bind
  uint32_t max_packets = 1500;              // per stream: 30 s at 50 packets/s
};

class MediaService {
 public:
  // `metrics`, `events`: the owner's (app::Node's, or the standalone service box's).
  MediaService(MediaServiceOptions options, ops::CounterRegistry& metrics, ops::EventSink& events);
  ~MediaService();

  // Checks the suites, makes the DTLS identity and starts the pump. kInvalid: a suite in
  // media.crypto_suites is unknown; kInternal: libsrtp or OpenSSL refused.
  Status start();
  void stop();

  // The whole response (200 with the SDP answer, 488 with the reason, 400 for a body that is
  // not SDP, 486/503 over the caps, 403 without a signalling address) to an INVITE for the
  // media service. `identity` (the asserted caller) and `source` go into the audit event;
  // `signalling_address` is the IP of the caller's signalling flow, where the stream goes.
  std::string handle_invite(const sip::Message& invite, std::string_view to_tag, std::string_view contact,
                            std::string_view identity, std::string_view source,
                            std::string_view signalling_address);
  // Ends the stream of that dialog (Call-ID, same asserted caller); the 200 (or 481) to
  // send, after the stream's socket is closed.
  std::string handle_bye(const sip::Message& bye, std::string_view to_tag, std::string_view identity);
  // A CANCEL reaches the box after its INVITE was answered (the box answers at once), so it
  // has no effect (RFC 3261 9.2): 200 for a known dialog, 481 otherwise. The caller hangs
  // up with BYE.
  std::string handle_cancel(const sip::Message& cancel, std::string_view to_tag, std::string_view identity);

  size_t active_streams() const { return pump_.active(); }
  const media::MediaPump& pump() const { return pump_; }

 private:
  std::string respond(const sip::Message& req, int code, std::string_view reason, std::string_view to_tag,
                      std::string_view contact = {}, std::string_view sdp = {});

  MediaServiceOptions options_;
  ops::EventSink& events_;
  media::NegotiationLog negotiation_;
  ops::Counter& refused_per_subscriber_;  // imsguard_media_sessions_refused_total{cap=...}
  ops::Counter& refused_total_;
  ops::Counter& redirected_;  // imsguard_media_destination_redirected_total
  media::MediaPolicy policy_;
  std::shared_ptr<media::DtlsIdentity> identity_;
  media::MediaPump pump_;
  // One answered INVITE: a retransmission or a re-INVITE of the same Call-ID gets the same
  // answer and keeps the one stream, never a second one.
  struct Call {
    uint64_t stream = 0;
    std::string caller;    // the asserted identity that placed it; in-dialog requests must match
    std::string answer;    // the SDP answer
    std::string contact;
    bool ended = false;    // the stream ended (budget, unreachable); the dialog waits for BYE
    std::chrono::steady_clock::time_point ended_at;
  };
  // Dialogs whose stream ended are kept this long for their BYE (64*T1), then forgotten.
  static constexpr std::chrono::seconds kEndedDialogLinger{32};
  const Call* find_call(std::string_view call_id, std::string_view identity) const;  // under mutex_
  void prune_ended();                                                                // under mutex_
  // The stream of `call` is over: the caps count one fewer. Idempotent. Under mutex_.
  void mark_ended(Call& call);
  // "" when the caller may open one more stream, else the refusal (and its event, once per
  // episode). Under mutex_.
  std::string over_cap(std::string_view identity, std::string_view source, int& code);

  std::mutex mutex_;
  std::map<std::string, Call, std::less<>> calls_;  // Call-ID -> dialog
  std::map<std::string, uint32_t, std::less<>> active_by_caller_;  // streams not ended, per caller
  uint32_t active_total_ = 0;                                      // streams not ended
  std::map<std::string, bool, std::less<>> capped_callers_;  // callers in a refusal episode
  bool total_capped_ = false;                                 // the box is in a refusal episode
};

}  // namespace imsguard::service
