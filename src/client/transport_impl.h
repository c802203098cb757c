#pragma once
// Internal to the client library: the concrete transports and the event-loop helper they
// share. Callers use open_transport() from transport.h.
#include "client/transport.h"

#include <asio/io_context.hpp>

#include <deque>
#include <string>

namespace imsguard::client::detail {

// Runs `io` one handler at a time until done() or the deadline. Returns done().
template <class Done>
bool run_until(asio::io_context& io, Clock::time_point deadline, Done done) {
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    if (io.stopped()) io.restart();
    io.run_one_until(deadline);
  }
  return true;
}

// Runs `io` until done(), however long (used after a cancel, whose handlers are immediate).
template <class Done>
void drain(asio::io_context& io, Done done) {
  while (!done()) {
    if (io.stopped()) io.restart();
    if (io.run_one() == 0 && !done()) return;  // nothing left to run: the handler will never come
  }
}

// What a flow's read handler delivered and receive() has not handed out yet: the messages in
// arrival order, then the failure that ended reading. Both transports hand out through it, so
// the user agent sees a lost TCP connection and a UDP port-unreachable the same way.
class Inbox {
 public:
  void deliver(std::string message) { messages_.push_back(std::move(message)); }
  // How a failure is reported: a stream flow is over (kSticky: every later receive() reports it
  // again); a UDP socket survives an ICMP error (kOnce: reported by one receive(), then cleared).
  enum class Repeat { kOnce, kSticky };
  void fail(Received::Status status, std::string why, Repeat repeat);

  bool ready() const { return !messages_.empty() || failed(); }
  bool failed() const { return !failure_.empty(); }
  const std::string& failure() const { return failure_; }
  // The oldest message, else the failure, else kTimeout.
  Received take();

 private:
  std::deque<std::string> messages_;
  std::string failure_;
  Received::Status failure_status_ = Received::Status::kError;
  Repeat repeat_ = Repeat::kSticky;
};

// Every transport's receive(): runs `io` until the inbox has something or the deadline passes,
// starting a read (start_read) whenever none is pending.
template <class StartRead>
Received receive_until(asio::io_context& io, Clock::time_point deadline, Inbox& inbox, const bool& reading,
                       StartRead start_read) {
  run_until(io, deadline, [&] {
    if (inbox.ready()) return true;
    if (!reading) start_read();
    return false;
  });
  return inbox.take();
}

StatusOr<std::unique_ptr<Transport>> open_udp(const TransportOptions& options);
StatusOr<std::unique_ptr<Transport>> open_stream(const TransportOptions& options);  // TCP and TLS

// "[::1]" for IPv6, the address itself otherwise: host as written in Via, Contact, URIs.
std::string uri_host(const std::string& host);

}  // namespace imsguard::client::detail
