#pragma once
// The UDP sockets of the media path: one per stream, bound on the media address and, once
// the peer's address is known from its SDP, connected to it. Connecting makes the kernel
// drop datagrams from anyone else and report the peer's ICMP port-unreachable as
// ECONNREFUSED, which is how a source learns that its sink hung up.
#include <cstdint>
#include <string>

namespace imsguard::media {

struct UdpSocket {
  int fd = -1;
  uint16_t port = 0;
  std::string error;
  explicit operator bool() const { return fd >= 0; }
};

// A non-blocking UDP socket bound to address:port (0: any free port).
UdpSocket bind_udp(const std::string& address, uint16_t port = 0);
// Connects `fd` to address:port; "" or an error.
std::string connect_udp(int fd, const std::string& address, uint16_t port);

}  // namespace imsguard::media
