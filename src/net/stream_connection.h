#pragma once
// One TCP or TLS connection: reads, frames SIP messages by Content-Length (answering RFC
// 5626 keep-alive pings), hands each message to the handler, and writes replies in order.
// It lives on one worker's event loop, so its state needs no lock; other threads reach it
// only through post_send(). Idle connections and clients that trickle a message slower
// than the deadline (slow-header attacks) are cut off.
#include "config/config.h"
#include "net/flow.h"

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include <memory>
#include <string>

namespace imsguard::net {

class Server;

class StreamConnection : public std::enable_shared_from_this<StreamConnection> {
 public:
  static std::shared_ptr<StreamConnection> create(Server& server, asio::io_context& io, asio::ip::tcp::socket socket,
                                                  config::Transport transport, uint64_t id,
                                                  const asio::ip::tcp::endpoint& remote, uint16_t local_port);
  virtual ~StreamConnection() = default;
  virtual void start() = 0;
  // Queues bytes for writing; safe from any thread.
  virtual void post_send(std::string bytes) = 0;
};

}  // namespace imsguard::net
