#pragma once
// Drives a running baresip (Debian 1.0) through its ctrl_tcp module: one JSON command in a
// netstring per connection, the answer read until baresip's response object arrives (events
// may come first). Shared by the end-to-end tests that use baresip as the real client.
#include "process.h"
#include "sip_socket.h"

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace imsguard::testkit {

// The ports of one baresip: `sip` for sip_listen (UDP and TCP) with sip + 1 free too (baresip
// 1.0 opens its TLS listener there; a phone once failed with "tcp: sock_bind: Address already
// in use" on it), and ctrl_tcp's port, neither of those two.
struct BaresipPorts {
  uint16_t sip = 0;
  uint16_t ctrl = 0;
};

inline BaresipPorts baresip_ports() {
  BaresipPorts p;
  p.sip = free_port_pair();
  do p.ctrl = free_port();
  while (p.ctrl == p.sip || p.ctrl == p.sip + 1);
  return p;
}

struct BaresipAnswer {
  bool ok = false;    // baresip answered "ok":true
  std::string text;   // everything read (events and the response)
};

inline BaresipAnswer baresip_command(uint16_t port, const std::string& command, const std::string& params) {
  BaresipAnswer answer;
  int fd = connect_loopback("127.0.0.1", port, std::chrono::seconds(5));
  if (fd < 0) return answer;
  std::string body = R"({"command":")" + command + R"(","params":")" + params + R"(","token":"t1"})";
  std::string frame = std::to_string(body.size()) + ":" + body + ",";
  if (::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(frame.size())) {
    char buf[4096];
    // Bounded: at most 64 reads of at most 5 s each.
    for (int i = 0; i < 64 && answer.text.find(R"("response":true)") == std::string::npos; ++i) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      answer.text.append(buf, static_cast<size_t>(n));
    }
    answer.ok = answer.text.find(R"("ok":true)") != std::string::npos;
  }
  ::close(fd);
  return answer;
}

}  // namespace imsguard::testkit
