#pragma once
// A listening TCP socket on 127.0.0.1 that no server answers on: the kernel completes
// connections in its backlog, so a client connects and then waits, and the test decides what
// happens next (accept and close, or stop listening so later connections are refused). The
// client tests need exactly that peer to see how a flow that is gone or never answers is told.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

namespace imsguard::testkit {

class TcpListener {
 public:
  explicit TcpListener(int backlog = 8) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0 || ::listen(fd_, backlog) != 0)
      return;
    port_ = ntohs(a.sin_port);
  }
  ~TcpListener() { stop_listening(); }
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

  // 0 when the socket could not be set up.
  uint16_t port() const { return port_; }
  // The next connection from the backlog (the caller closes it); -1 on error.
  int accept_one() const { return ::accept(fd_, nullptr, nullptr); }
  // From now on nothing listens on port(): new connections are refused.
  void stop_listening() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

}  // namespace imsguard::testkit
