#pragma once
// The IMS client (UE): registers its IMPU over one flow, answers challenges (Digest or
// AKA), keeps the registration fresh, sends requests through the edge and answers the
// requests the edge delivers on the flow. RFC 3261 non-INVITE client transactions with
// UDP retransmission (T1 = 500 ms doubling up to T2 = 4 s, given up at the caller's
// timeout, never later than Timer F = 64*T1).
//
// Why a library rather than code inside the CLI: end-to-end tests of the edge, the service
// box and the benchmarks need a UE that behaves exactly like the operator's tool.
#include "client/credentials.h"
#include "client/request.h"
#include "client/transport.h"
#include "sip/message.h"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imsguard::client {

struct UserAgentOptions {
  Credentials credentials;
  std::string impu;  // sip:user@domain; the registration's AoR and our From
  uint32_t expires = 600;
  std::chrono::milliseconds timeout{5000};  // per transaction
  std::vector<Header> extra_headers;        // added to every request (tests inject headers)
  // One line per MESSAGE received: "MESSAGE from <P-Asserted-Identity>: <body>".
  std::function<void(const std::string&)> on_message;
  // Progress lines for the operator (challenges, refreshes); may be empty.
  std::function<void(const std::string&)> log;
};

// How a request ended: an outcome struct, because a refusal still carries the final answer
// (status, reason, headers) the caller prints beside the failure.
struct Outcome {
  // Not ok: why, in one line. kUnavailable for everything the far end or the flow did (no
  // answer, the flow lost, a refusal, authentication failed); kInternal when our crypto
  // failed. Nothing here is the caller's input: the options were checked before.
  Status error;
  int status = 0;      // final status code, 0 when there was none (timeout, transport, auth)
  std::string reason;  // its reason phrase
  // The final response's header fields (name as written, value), e.g. the Content-Token a
  // core puts in the 200 OK to a service request. Empty when there was no final response.
  std::vector<Header> headers;

  bool ok() const { return error.ok(); }
  // The first value of header `name` (case-insensitive), if present.
  std::optional<std::string> header(std::string_view name) const;
};

// A response with the bytes its views point into.
struct ParsedResponse {
  std::string bytes;
  sip::Message msg;
};

class UserAgent {
 public:
  // `transport` must outlive the user agent.
  UserAgent(Transport& transport, UserAgentOptions options);

  // REGISTER (challenge answered, 423 honoured once) -> 200. Uses options.expires.
  Outcome register_binding();
  // REGISTER with Expires: 0 for our Contact.
  Outcome unregister();
  // MESSAGE, OPTIONS, ... to `target` from our IMPU; answers a 401/407 for it.
  Outcome send_request(const std::string& method, const std::string& target, const std::string& content_type,
                       const std::string& body);
  // Serves the flow until `until`: answers OPTIONS and MESSAGE with 200 (printing each
  // MESSAGE once), refreshes the registration before it expires. Fails when a refresh fails
  // or the flow is lost.
  Outcome serve(Clock::time_point until);

  bool registered() const { return registered_until_.has_value(); }
  uint32_t granted_expires() const { return granted_expires_; }
  const std::vector<std::string>& associated_uris() const { return associated_uris_; }
  size_t messages_received() const { return messages_received_; }
  size_t refreshes() const { return refreshes_; }
  const std::string& contact() const { return contact_; }

 private:
  RequestSpec register_spec(uint32_t expires) const;
  Outcome authenticated(RequestSpec spec, bool is_register);
  // One client transaction: its final response; kUnavailable on timeout or a lost flow.
  StatusOr<std::unique_ptr<ParsedResponse>> transact(const RequestSpec& spec);
  // A received message: a response is returned (parsed) for the caller to match; a request
  // is answered here.
  std::unique_ptr<ParsedResponse> dispatch(std::string bytes);
  void on_request(const sip::Message& request);
  void note_registration(const sip::Message& ok, uint32_t requested);
  void log(const std::string& line) const;

  Transport& transport_;
  UserAgentOptions options_;
  ChallengeAnswerer answerer_;
  ViaAddress via_;
  std::string domain_;
  std::string register_uri_;
  std::string contact_;
  std::string register_call_id_;
  std::string register_tag_;
  std::string local_tag_;  // To tag of our answers to incoming requests
  uint32_t cseq_ = 0;
  uint32_t register_cseq_ = 0;

  std::optional<Clock::time_point> registered_until_;
  Clock::time_point refresh_at_{};
  uint32_t granted_expires_ = 0;
  std::vector<std::string> associated_uris_;
  size_t messages_received_ = 0;
  size_t refreshes_ = 0;
  std::deque<std::string> seen_messages_;  // Call-ID|CSeq of recent MESSAGEs (UDP retransmissions)
};

// The domain (host part) of a sip/sips IMPU; empty when it is not one.
std::string impu_domain(std::string_view impu);
// The user part of a sip/sips IMPU; empty when absent.
std::string impu_user(std::string_view impu);

// "MESSAGE from <identities>: <body>" with control characters neutralised, so a hostile
// sender cannot write escape sequences or extra lines into the operator's terminal or log.
std::string message_line(const sip::Message& request);

}  // namespace imsguard::client
