#pragma once
// A client::Transport with no network: it records what the client sends and answers each
// request with what the test says, so the user agent and the call can be driven through
// their failure paths (a flow that fails, a refusal) without an edge.
#include "client/transport.h"
#include "sip/parser.h"
#include "sip/response.h"

#include <deque>
#include <string>
#include <thread>
#include <vector>

namespace imsguard::client::fakes {

class FakeTransport final : public Transport {
 public:
  // Reliable (TCP-like): no retransmissions to account for.
  TransportKind kind() const override { return TransportKind::kTcp; }
  std::string local_host() const override { return "127.0.0.1"; }
  uint16_t local_port() const override { return 5099; }
  std::string describe() const override { return "tcp 127.0.0.1:5060 (fake)"; }

  Status send(std::string_view bytes) override {
    sent.emplace_back(bytes);
    if (!send_failure.ok()) return send_failure;
    if (answer_code == 0) return {};
    sip::Message request;
    if (sip::parse_stream_message(sent.back(), sip::Limits{}, request).status != sip::ParseStatus::kOk) return {};
    if (request.is_request() && request.method() != sip::Method::kAck)
      inbox.push_back(sip::make_response(request, answer_code, answer_reason, {}, "fake-tag"));
    return {};
  }

  Received receive(Clock::time_point deadline) override {
    Received r;
    if (!inbox.empty()) {
      r.status = Received::Status::kMessage;
      r.bytes = std::move(inbox.front());
      inbox.pop_front();
      return r;
    }
    std::this_thread::sleep_until(deadline);
    return r;  // kTimeout
  }

  std::vector<std::string> sent;
  Status send_failure;      // not ok: every send fails with it
  int answer_code = 0;      // 0: requests go unanswered
  std::string answer_reason;
  std::deque<std::string> inbox;
};

}  // namespace imsguard::client::fakes
