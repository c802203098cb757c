#pragma once
// A flow is where a message came from and where its answer goes: transport, remote
// address and port, and for stream transports the connection it arrived on. The edge
// binds registrations to flows (RFC 5626 style), so this is also an identity key.
#include "config/config.h"

#include <asio/ip/address.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace imsguard::net {

struct Flow {
  config::Transport transport = config::Transport::kUdp;
  asio::ip::address address;
  uint16_t port = 0;
  uint64_t connection_id = 0;  // 0 for UDP
  uint16_t local_port = 0;
  // The edge's address the message arrived at (unspecified when unknown). Not part of the
  // flow's identity: a listener on 0.0.0.0 or :: needs it to name itself (edge/edge_address.h).
  asio::ip::address local_address;

  // "udp:127.0.0.1:5062", "tls:[::1]:40000#17" (#connection id for streams).
  std::string to_string() const;
  // "127.0.0.1:5062"
  std::string source() const;
};

// Sends bytes back on the flow a message arrived on. Valid only during the handler call.
class Responder {
 public:
  virtual ~Responder() = default;
  virtual void send(std::string_view bytes) = 0;
};

// Receives every datagram (UDP) or framed message (TCP/TLS). Called concurrently from the
// worker threads: implementations must be thread-safe. `bytes` is valid only during the call.
class MessageHandler {
 public:
  virtual ~MessageHandler() = default;
  virtual void on_message(const Flow& flow, std::string_view bytes, Responder& reply) = 0;
  // A stream transport refused to frame the bytes (bad Content-Length, too large, ...):
  // the connection is closed after `reply` has sent the answer (if any).
  virtual void on_stream_error(const Flow& flow, int code, std::string_view reason, Responder& reply) = 0;
  // Whether the flow belongs to a registered client: when the connection table is full, the
  // server closes idle connections of strangers to make room, never these. Any thread.
  virtual bool flow_registered(const Flow& /*flow*/) { return false; }
};

// Sends to a flow from anywhere (e.g. a request delivered to a registered user over the
// connection it registered on).
class FlowSender {
 public:
  virtual ~FlowSender() = default;
  // false when the flow no longer exists (connection closed) or the send failed.
  virtual bool send_to(const Flow& flow, std::string_view bytes) = 0;
};

}  // namespace imsguard::net
