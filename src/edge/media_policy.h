#pragma once
// media.srtp_policy on every call the edge relays, between subscribers as toward services:
// the edge is not a media endpoint, so it cannot answer for the phones, but it sees every
// offer and answer and decides what the media of the call will be. An SDP whose keying
// cannot work (RTP/SAVP whose SDES keys would cross a hop without TLS and be stripped, or
// no keys at all) is never forwarded: it would make the far end fall back to plain RTP or
// fail later; with `mandatory` an SDP without SRTP keying (SDES over TLS on both hops, or a
// DTLS fingerprint) is refused too. The decision is the same for offers and answers; what
// the proxy does with a refusal (488, or ACK+BYE toward the callee and 488 to the caller)
// lives in Proxy. src/media/negotiation decides for an endpoint that terminates media (it
// needs a codec in common); here only keying matters, so the outcome and audit types are
// shared (media::Outcome, media::NegotiationLog) and the rule is this file's.
#include "config/config.h"
#include "media/negotiation.h"
#include "sip/message.h"

#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

namespace imsguard::edge {

struct MediaVerdict {
  bool has_sdp = false;
  media::Outcome outcome = media::Outcome::kRtp;  // kRefused: do not forward
  std::string reason;
};

// The SDP of a message's body: application/sdp compared case-insensitively (RFC 2045), or
// the first application/sdp part of a multipart body; empty when there is none.
std::string_view sdp_of(const sip::Message& msg);

// The keying of an SDP relayed over one hop: `sdes_usable` when a=crypto survives it (both
// flows TLS, or media.sdes_requires_tls off).
MediaVerdict judge_sdp(std::string_view sdp, config::SrtpPolicy policy, bool sdes_usable);

// One security event per call: remembers the Call-IDs whose outcome was reported (bounded,
// oldest forgotten first), so re-INVITEs for hold/resume and 2xx retransmissions of the same
// call do not report again.
class CallReports {
 public:
  explicit CallReports(size_t capacity = 8192) : capacity_(capacity) {}
  // True the first time for this Call-ID (while it is remembered).
  bool first(std::string_view call_id);

 private:
  size_t capacity_;
  std::mutex mutex_;
  std::unordered_set<std::string> seen_;
  std::deque<std::string> order_;
};

}  // namespace imsguard::edge
