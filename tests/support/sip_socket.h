#pragma once
// Test support: a plain UDP or TCP SIP peer on loopback that sends raw bytes and reads
// answers with a timeout, so end-to-end tests see exactly what an attacker or a phone sees.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace imsguard::testkit {

class UdpPeer {
 public:
  explicit UdpPeer(const std::string& bind_address = "127.0.0.1");
  ~UdpPeer();
  bool send(const std::string& bytes, uint16_t port, const std::string& address = "127.0.0.1");
  // The next datagram, or nullopt after `timeout`.
  std::optional<std::string> receive(std::chrono::milliseconds timeout);
  uint16_t local_port() const { return port_; }
  // The source address of the datagram receive() returned last ("127.0.0.2").
  const std::string& last_sender() const { return last_sender_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
  std::string last_sender_;
};

class TcpPeer {
 public:
  ~TcpPeer();
  bool connect(uint16_t port, const std::string& address = "127.0.0.1");
  bool send(const std::string& bytes);
  // Reads until one complete SIP message (by Content-Length) arrives, or timeout.
  std::optional<std::string> receive_message(std::chrono::milliseconds timeout);
  // True when the server closed the connection (read returns 0) within `timeout`.
  bool closed_by_peer(std::chrono::milliseconds timeout);
  uint16_t local_port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
  std::string buffer_;
};

// A TCP connection to address:port (IPv4, on loopback) whose connect, sends and receives each
// give up after `timeout` (SO_SNDTIMEO bounds connect too): its fd, for the caller to close,
// or -1. For the tests that speak TLS or HTTP over it (OpenSSL on the fd).
int connect_loopback(const std::string& address, uint16_t port, std::chrono::milliseconds timeout);

// The status code of a SIP response (0 if not a response).
int status_of(const std::string& response);
// The first value of a header (case-insensitive name, compact forms not expanded).
std::string header_of(const std::string& message, const std::string& name);

}  // namespace imsguard::testkit
