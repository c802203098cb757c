#pragma once
// SRTP offer/answer: what each end's policy (off | optional | mandatory) makes of the
// other's SDP. One pure function per side, so the full matrix is unit-testable and the
// service box and the client cannot disagree about the rules:
//   - both willing and a usable keying (DTLS-SRTP preferred, then SDES): SRTP;
//   - a secure profile (RTP/SAVP, UDP/TLS/RTP/SAVP) offered to an end whose policy is off,
//     or a mandatory end facing an offer without usable keying: 488 with the reason;
//   - otherwise RTP.
// SDES is usable only when every signaling hop is TLS (keys travel in the SDP).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "media/sdes.h"
#include "media/srtp_suite.h"
#include "ops/counters.h"
#include "ops/events.h"
#include "sip/sdp.h"

namespace imsguard::media {

enum class Outcome { kSrtpSdes, kSrtpDtls, kRtp, kRefused };
// "srtp-sdes", "srtp-dtls", "rtp", "refused" (the counter label).
std::string_view outcome_name(Outcome o);

// How an offerer keys SRTP when it wants it.
enum class Keying { kSdes, kDtls };

struct MediaPolicy {
  config::SrtpPolicy policy = config::SrtpPolicy::kOptional;
  std::vector<SrtpSuite> suites = all_suites();  // acceptable, in preference order
  bool sdes_allowed = false;  // every signaling hop is TLS (or sdes_requires_tls is off)
  bool dtls_allowed = true;
};

// The payload type both ends must share (PCMU, RFC 3551).
inline constexpr uint8_t kPcmuPayloadType = 0;

// ----- answerer -----

struct AnswerPlan {
  Outcome outcome = Outcome::kRefused;
  int code = 0;        // 488 when refused
  std::string reason;  // why (refused), or what was chosen ("AES_CM_128_HMAC_SHA1_80")
  size_t media_index = 0;
  std::string proto;   // the answer's m= proto (mirrors the offer)
  std::optional<SdesKey> remote_key;             // kSrtpSdes: the offerer's key (it sends with it)
  std::optional<sip::SdpFingerprint> remote_fingerprint;  // kSrtpDtls
  sip::SdpSetup local_setup = sip::SdpSetup::kActive;     // kSrtpDtls: our a=setup
  std::string remote_address;  // where the offerer receives media
  uint16_t remote_port = 0;
};

AnswerPlan plan_answer(const sip::Sdp& offer, const MediaPolicy& local);

// What the answerer puts in its SDP beyond the plan.
struct LocalMedia {
  std::string address = "127.0.0.1";
  uint16_t port = 0;
  std::optional<SdesKey> sdes_key;                  // kSrtpDtls: unused
  std::optional<sip::SdpFingerprint> fingerprint;  // kSrtpDtls
  sip::SdpDirection direction = sip::SdpDirection::kSendOnly;
};

// The answer SDP for an accepted plan (not for kRefused).
sip::Sdp build_answer(const sip::Sdp& offer, const AnswerPlan& plan, const LocalMedia& local);

// ----- offerer -----

struct OfferSpec {
  MediaPolicy policy;
  Keying keying = Keying::kSdes;
  LocalMedia local;                 // address/port; fingerprint for DTLS
  std::vector<SdesKey> sdes_keys;   // one per offered suite (tags 1..n), for SDES
};

// The offer: RTP/AVP (off), RTP/AVP with keying (optional, best effort), RTP/SAVP or
// UDP/TLS/RTP/SAVP (mandatory). a=setup:actpass for DTLS, a=rtcp-mux always.
// An empty `error` unless the spec cannot be offered (mandatory SDES over plain signaling).
struct OfferResult {
  sip::Sdp sdp;
  std::string error;
};
OfferResult build_offer(const OfferSpec& spec);

struct AnswerCheck {
  Outcome outcome = Outcome::kRefused;
  std::string reason;
  std::optional<SdesKey> remote_key;  // kSrtpSdes: the answerer's key (it sends with it)
  std::optional<SdesKey> local_key;   // kSrtpSdes: our key of the accepted tag
  std::optional<sip::SdpFingerprint> remote_fingerprint;
  bool dtls_client = false;  // kSrtpDtls: we run the DTLS client (answer said passive)
  std::string remote_address;
  uint16_t remote_port = 0;
};
AnswerCheck check_answer(const OfferSpec& spec, const sip::Sdp& answer);

// ----- audit -----

// Where the outcome of every offer/answer goes: imsguard_srtp_sessions_total{outcome="..."}
// in the owner's registry and a "media" security event (accept/reject, with the reason) in its
// sink. One per role that negotiates (the edge's proxy, the service box's media service), the
// counters resolved here.
class NegotiationLog {
 public:
  NegotiationLog(ops::CounterRegistry& metrics, ops::EventSink& events);
  // `side` is "answer" or "offer".
  void record(Outcome outcome, std::string_view side, std::string_view source, std::string_view identity,
              std::string_view reason) const;

 private:
  ops::EventSink& events_;
  std::array<ops::Counter*, 4> by_outcome_;  // indexed by Outcome
};

}  // namespace imsguard::media
