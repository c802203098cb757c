#pragma once
// The client's one flow to the edge: a connected UDP socket, a TCP connection or a TLS
// connection. The edge binds a registration to the flow it arrived on (RFC 5626 style) and
// delivers requests for the user over that same flow, so the client sends and receives
// everything, requests and responses alike, through this single object.
//
// Single-threaded by design: the user agent drives it from one thread, waiting with a
// deadline, so timers (retransmission, refresh, --keep) are plain time comparisons.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace imsguard::client {

using Clock = std::chrono::steady_clock;

enum class TransportKind { kUdp, kTcp, kTls };

// "udp", "tcp", "tls" -> kind; nullopt otherwise.
std::optional<TransportKind> parse_transport_kind(std::string_view name);
// Lowercase token ("udp") as in a URI transport parameter.
std::string_view transport_token(TransportKind kind);
// Uppercase token ("UDP") as in a Via sent-protocol.
std::string_view via_token(TransportKind kind);

// "host:port", "[v6]:port". The port is required: a client that guesses 5060 vs 5061 would
// hide a misconfiguration.
struct ServerAddress {
  std::string host;  // without brackets
  uint16_t port = 0;
};
// kInvalid saying what is wrong with `text`.
StatusOr<ServerAddress> parse_server_address(std::string_view text);

struct TransportOptions {
  TransportKind kind = TransportKind::kUdp;
  ServerAddress server;
  std::string ca_file;  // TLS: the CA the edge's certificate must chain to (required for TLS)
  std::chrono::milliseconds connect_timeout{5000};
};

// What receive() produced.
struct Received {
  enum class Status { kMessage, kTimeout, kClosed, kError };
  Status status = Status::kTimeout;
  std::string bytes;  // kMessage: one datagram or one framed stream message
  std::string error;  // kClosed / kError: why
};

class Transport {
 public:
  virtual ~Transport() = default;

  virtual TransportKind kind() const = 0;
  // Stream transports frame messages by Content-Length and need no retransmission.
  bool reliable() const { return kind() != TransportKind::kUdp; }
  // Our address and port as the server sees them on this flow (for Via and Contact).
  virtual std::string local_host() const = 0;
  virtual uint16_t local_port() const = 0;
  // "udp 127.0.0.1:5060" for messages.
  virtual std::string describe() const = 0;

  // Sends one complete message. kUnavailable when the flow is gone (the send failed or
  // blocked, the connection was closed or lost), with the message saying which flow and why.
  virtual Status send(std::string_view bytes) = 0;
  // The next message from the server, waiting at most until `deadline`.
  virtual Received receive(Clock::time_point deadline) = 0;
};

// Resolves, connects and (TLS) handshakes, verifying the server's certificate against
// ca_file and its name or IP address against server.host. kInvalid: TLS without a usable CA
// file; kUnavailable: the server cannot be reached or the handshake fails.
StatusOr<std::unique_ptr<Transport>> open_transport(const TransportOptions& options);

}  // namespace imsguard::client
