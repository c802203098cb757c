#pragma once
// The SIP message trace of log.level debug and trace: what an operator reads to see what a
// client sent and what the edge sent back or relayed. Off the hot path unless the level asks
// for it (one atomic load per message).
#include "net/flow.h"

#include <string_view>

namespace imsguard::edge {

// debug: one line per message received (source, size, start line); trace: the whole message
// with control characters escaped.
void trace_received(const net::Flow& flow, std::string_view bytes);
// The same for a message sent to `flow` (an answer, or a request or response relayed).
void trace_sent(const net::Flow& flow, std::string_view bytes);

// Answers on the flow a message came on, traced (Edge::on_message wraps its responder in it
// when the level is debug or trace).
class TracingResponder final : public net::Responder {
 public:
  TracingResponder(net::Responder& inner, const net::Flow& flow) : inner_(inner), flow_(flow) {}
  void send(std::string_view bytes) override {
    trace_sent(flow_, bytes);
    inner_.send(bytes);
  }

 private:
  net::Responder& inner_;
  const net::Flow& flow_;
};

// Messages the edge sends on its own initiative (relayed requests and responses), traced.
class TracingSender final : public net::FlowSender {
 public:
  explicit TracingSender(net::FlowSender* inner) : inner_(inner) {}
  bool send_to(const net::Flow& flow, std::string_view bytes) override;

 private:
  net::FlowSender* inner_ = nullptr;
};

}  // namespace imsguard::edge
