#include "media/udp.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace imsguard::media {
namespace {

bool to_sockaddr(const std::string& address, uint16_t port, sockaddr_storage& ss, socklen_t& len) {
  std::memset(&ss, 0, sizeof ss);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof(sockaddr_in);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  std::string host = address;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

}  // namespace

UdpSocket bind_udp(const std::string& address, uint16_t port) {
  UdpSocket s;
  sockaddr_storage ss;
  socklen_t len = 0;
  if (!to_sockaddr(address, port, ss, len)) {
    s.error = "media address '" + address + "' is not an IP address";
    return s;
  }
  int fd = ::socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    s.error = std::string("socket: ") + std::strerror(errno);
    return s;
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    s.error = "bind " + address + ": " + std::strerror(errno);
    ::close(fd);
    return s;
  }
  socklen_t got = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &got);
  s.port = ntohs(ss.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                         : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  s.fd = fd;
  return s;
}

std::string connect_udp(int fd, const std::string& address, uint16_t port) {
  sockaddr_storage ss;
  socklen_t len = 0;
  if (!to_sockaddr(address, port, ss, len)) return "media peer '" + address + "' is not an IP address";
  if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0)
    return "connect " + address + ":" + std::to_string(port) + ": " + std::strerror(errno);
  return {};
}

}  // namespace imsguard::media
