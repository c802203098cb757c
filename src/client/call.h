#pragma once
// One call from a registered client to a media service: INVITE with an SDP offer made by
// the client's own SRTP policy (--srtp off|optional|mandatory, SDES or DTLS-SRTP keying),
// the answer checked against that policy, ACK, the stream received and verified by the
// MediaSink, then BYE. The result says what was negotiated and how every packet fared, so
// the CLI can print a summary and exit non-zero on any failure.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "client/credentials.h"
#include "client/media_sink.h"
#include "client/transport.h"
#include "config/config.h"
#include "media/negotiation.h"

namespace imsguard::client {

struct CallOptions {
  std::string target;  // sip:media@services.<domain>
  std::string impu;    // our From
  config::SrtpPolicy policy = config::SrtpPolicy::kOptional;
  media::Keying keying = media::Keying::kSdes;
  std::vector<media::SrtpSuite> suites = media::all_suites();
  bool sdes_requires_tls = true;  // refuse to put keys in SDP over a non-TLS flow
  std::string media_address = "127.0.0.1";
  uint32_t packets = 100;  // good packets to receive before hanging up (2 s)
  std::chrono::milliseconds timeout{5000};          // per SIP transaction
  std::chrono::milliseconds media_timeout{15000};   // for the whole stream
  // After this many good packets, a re-INVITE with the same offer (0: none); its answer
  // must describe the same session (same SDP), and the stream must go on.
  uint32_t reinvite_after = 0;
  // Listen this long after the 200 to BYE; a datagram then means the stream did not stop.
  std::chrono::milliseconds listen_after_bye{0};
  std::function<void(const std::string&)> log;
  // Who we are, to answer a 401/407 to the INVITE (the edge challenges out-of-dialog requests
  // over UDP, issue 17 F8a); without them a challenge ends the call attempt.
  std::optional<Credentials> credentials;
};

// An outcome struct: what was negotiated and how every packet fared are the result, printed
// whether or not the call succeeded; `error` says why it did not.
struct CallResult {
  // Not ok: why, in one line. Before the INVITE leaves, the code of what refused our
  // options (kInvalid: --media-address not an IP address, SDES offered over a plain flow);
  // from the INVITE on, whatever the far end, the flow or the stream did is kUnavailable
  // (no answer, a refusal, an unacceptable answer, bad or missing packets); kInternal when
  // our crypto failed.
  Status error;
  int status = 0;       // final status of the INVITE
  std::string reason;
  media::Outcome outcome = media::Outcome::kRefused;
  std::string negotiated;  // "srtp-sdes AES_CM_128_HMAC_SHA1_80", "rtp", ...
  SinkResult media;
  int bye_status = 0;
  int reinvite_status = 0;          // 0: no re-INVITE sent
  bool reinvite_same_session = false;
  uint64_t after_bye_packets = 0;   // datagrams during listen_after_bye

  bool ok() const { return error.ok(); }
};

CallResult place_call(Transport& transport, const CallOptions& options);

// "packets ok 100, auth failures 0, replays 0, ..." for the operator.
std::string summary_line(const CallResult& r);

}  // namespace imsguard::client
