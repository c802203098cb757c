#pragma once
// Internal to the client library: the concrete transports and the event-loop helper they
// share. Callers use open_transport() from transport.h.
#include "client/transport.h"

#include <asio/io_context.hpp>

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

StatusOr<std::unique_ptr<Transport>> open_udp(const TransportOptions& options);
StatusOr<std::unique_ptr<Transport>> open_stream(const TransportOptions& options);  // TCP and TLS

// "[::1]" for IPv6, the address itself otherwise: host as written in Via, Contact, URIs.
std::string uri_host(const std::string& host);

}  // namespace imsguard::client::detail
