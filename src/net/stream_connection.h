#pragma once
// One TCP or TLS connection: reads, frames SIP messages by Content-Length (answering RFC
// 5626 keep-alive pings), hands each message to the handler, and writes replies in order.
// It lives on one worker's event loop, so its state needs no lock; other threads reach it
// only through post_send() and post_close(). Deadlines cut off what holds a slot without
// using it: a TLS handshake that does not finish, a connection that never sends a byte, a
// message trickled slower than its deadline (slow-header attacks), an idle connection.
#include "config/config.h"
#include "net/flow.h"

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace imsguard::net {

class Server;

class StreamConnection : public std::enable_shared_from_this<StreamConnection> {
 public:
  // What the server's eviction reads from any thread (set on the connection's own thread).
  struct Activity {
    std::atomic<int64_t> accepted_ms{0};       // steady clock
    std::atomic<int64_t> last_message_ms{0};   // 0 until a complete message arrived
    std::atomic<bool> evicting{false};         // chosen for eviction; its close is posted
  };
  static std::shared_ptr<StreamConnection> create(Server& server, asio::io_context& io, asio::ip::tcp::socket socket,
                                                  config::Transport transport, uint64_t id,
                                                  const asio::ip::tcp::endpoint& remote, uint16_t local_port);
  virtual ~StreamConnection() = default;
  virtual void start() = 0;
  // Queues bytes for writing; safe from any thread.
  virtual void post_send(std::string bytes) = 0;
  // Closes the connection on its own thread (the server makes room); safe from any thread.
  virtual void post_close() = 0;
  virtual const Flow& flow() const = 0;  // fixed at accept: safe from any thread
  Activity& activity() { return activity_; }

 protected:
  Activity activity_;
};

int64_t steady_now_ms();

}  // namespace imsguard::net
