#pragma once
// A raw AF_PACKET capture on loopback (root only) that keeps the UDP and TCP payloads
// containing a marker string: what an eavesdropper on a plaintext signalling hop reads
// (SDES keys, content tokens). TLS payloads never contain the marker in clear, so a hit
// is always a plaintext leak.
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace imsguard::testing {

class LoopbackSniffer {
 public:
  explicit LoopbackSniffer(std::string marker) : marker_(std::move(marker)) {}
  ~LoopbackSniffer() { stop(); }

  bool start(std::string& error) {
    fd_ = ::socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    if (fd_ < 0) {
      error = "AF_PACKET socket (needs root): " + std::string(std::strerror(errno));
      return false;
    }
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = static_cast<int>(if_nametoindex("lo"));
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0) {
      error = "bind to lo: " + std::string(std::strerror(errno));
      return false;
    }
    int bytes = 16 << 20;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes);
    running_ = true;
    thread_ = std::thread([this] { loop(); });
    return true;
  }
  void stop() {
    running_ = false;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // Payloads (UDP or TCP segment data) that contained the marker, with "udp "/"tcp " prefixed.
  std::vector<std::string> hits() const {
    std::lock_guard lock(mutex_);
    return hits_;
  }

 private:
  void loop() {
    std::vector<uint8_t> buf(70000);
    for (;;) {
      bool stopping = !running_;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, stopping ? 0 : 50) <= 0) {
        if (stopping) break;
        continue;
      }
      sockaddr_ll from{};
      socklen_t len = sizeof from;
      ssize_t n = ::recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n <= 0 || from.sll_pkttype == PACKET_OUTGOING) continue;  // lo shows each packet twice
      if (ntohs(from.sll_protocol) != ETH_P_IP || n < 14 + 20 + 8) continue;
      const uint8_t* ip = buf.data() + 14;
      size_t ihl = size_t{static_cast<uint8_t>(ip[0] & 0x0f)} * 4;
      size_t end = static_cast<size_t>(n) - 14;
      size_t header = 0;
      std::string kind;
      if (ip[9] == IPPROTO_UDP) {
        header = ihl + 8;
        kind = "udp ";
      } else if (ip[9] == IPPROTO_TCP && end >= ihl + 20) {
        header = ihl + size_t{static_cast<uint8_t>(ip[ihl + 12] >> 4)} * 4;
        kind = "tcp ";
      } else {
        continue;
      }
      if (header >= end) continue;
      std::string payload(reinterpret_cast<const char*>(ip + header), end - header);
      if (payload.find(marker_) == std::string::npos) continue;
      std::lock_guard lock(mutex_);
      hits_.push_back(kind + payload);
    }
  }

  std::string marker_;
  int fd_ = -1;
  std::atomic<bool> running_{false};
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<std::string> hits_;
};

}  // namespace imsguard::testing
