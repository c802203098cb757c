#include "sip_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace imsguard::testkit {

namespace {

sockaddr_in loopback(const std::string& address, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, address.c_str(), &a.sin_addr);
  return a;
}

bool wait_readable(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0;
}

}  // namespace

UdpPeer::UdpPeer(const std::string& bind_address) {
  fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a = loopback(bind_address, 0);
  ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
}

UdpPeer::~UdpPeer() {
  if (fd_ >= 0) ::close(fd_);
}

bool UdpPeer::send(const std::string& bytes, uint16_t port, const std::string& address) {
  sockaddr_in a = loopback(address, port);
  return ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a) ==
         static_cast<ssize_t>(bytes.size());
}

std::optional<std::string> UdpPeer::receive(std::chrono::milliseconds timeout) {
  if (!wait_readable(fd_, timeout)) return std::nullopt;
  std::string buf(65536, '\0');
  sockaddr_in from{};
  socklen_t from_len = sizeof from;
  ssize_t n = ::recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
  if (n < 0) return std::nullopt;
  buf.resize(static_cast<size_t>(n));
  char text[INET_ADDRSTRLEN] = {};
  last_sender_ = ::inet_ntop(AF_INET, &from.sin_addr, text, sizeof text) ? text : "";
  return buf;
}

TcpPeer::~TcpPeer() {
  if (fd_ >= 0) ::close(fd_);
}

bool TcpPeer::connect(uint16_t port, const std::string& address) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = loopback(address, port);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return false;
  socklen_t len = sizeof a;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  return true;
}

int connect_loopback(const std::string& address, uint16_t port, std::chrono::milliseconds timeout) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in a = loopback(address, port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool TcpPeer::send(const std::string& bytes) {
  return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
}

std::optional<std::string> TcpPeer::receive_message(std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (true) {
    size_t head_end = buffer_.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      std::string head = buffer_.substr(0, head_end + 2);
      std::string cl = header_of(head, "Content-Length");
      if (cl.empty()) cl = header_of(head, "l");
      size_t body = cl.empty() ? 0 : std::stoul(cl);
      if (buffer_.size() >= head_end + 4 + body) {
        std::string msg = buffer_.substr(0, head_end + 4 + body);
        buffer_.erase(0, msg.size());
        return msg;
      }
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !wait_readable(fd_, left)) return std::nullopt;
    char chunk[8192];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return std::nullopt;
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

bool TcpPeer::closed_by_peer(std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !wait_readable(fd_, left)) return false;
    char chunk[4096];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n == 0) return true;
    if (n < 0) return true;  // reset counts as closed
  }
}

int status_of(const std::string& response) {
  if (response.rfind("SIP/2.0 ", 0) != 0 || response.size() < 11) return 0;
  return std::atoi(response.substr(8, 3).c_str());
}

std::string header_of(const std::string& message, const std::string& name) {
  size_t pos = message.find("\r\n");
  while (pos != std::string::npos && pos + 2 < message.size()) {
    size_t start = pos + 2;
    size_t end = message.find("\r\n", start);
    if (end == std::string::npos || end == start) break;
    std::string line = message.substr(start, end - start);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string n = line.substr(0, colon);
      while (!n.empty() && (n.back() == ' ' || n.back() == '\t')) n.pop_back();
      if (n.size() == name.size() &&
          std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        std::string v = line.substr(colon + 1);
        v.erase(0, v.find_first_not_of(" \t"));
        return v;
      }
    }
    pos = end;
  }
  return {};
}

}  // namespace imsguard::testkit
