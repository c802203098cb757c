#pragma once
// A raw AF_PACKET capture on the loopback interface (root only) of SIP over UDP, in a thread
// for the length of one call: which port sent which SIP message to which port, as a third
// party on the path sees it. The tests use it to show that no SIP message goes phone to
// phone around the edge. (tests/media/loopback_capture.h does the same for RTP.)
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace imsguard::testkit {

struct SipDatagram {
  uint16_t from_port = 0;
  uint16_t to_port = 0;
  std::string first_line;  // "BYE sip:... SIP/2.0" or "SIP/2.0 200 OK"
};

class SipCapture {
 public:
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
  ~SipCapture() { stop(); }
  std::vector<SipDatagram> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
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
      if (ip[9] != IPPROTO_UDP || static_cast<size_t>(n) < 14 + ihl + 8) continue;
      const uint8_t* udp = ip + ihl;
      const char* payload = reinterpret_cast<const char*>(udp + 8);
      size_t size = static_cast<size_t>(n) - 14 - ihl - 8;
      std::string_view text(payload, size);
      size_t eol = text.find("\r\n");
      if (eol == std::string_view::npos) continue;
      std::string_view line = text.substr(0, eol);
      bool sip = line.rfind("SIP/2.0 ", 0) == 0 || (line.size() > 8 && line.substr(line.size() - 8) == " SIP/2.0");
      if (!sip) continue;
      SipDatagram d;
      d.from_port = static_cast<uint16_t>(udp[0] << 8 | udp[1]);
      d.to_port = static_cast<uint16_t>(udp[2] << 8 | udp[3]);
      d.first_line = std::string(line);
      std::lock_guard lock(mutex_);
      seen_.push_back(std::move(d));
    }
  }

  int fd_ = -1;
  std::atomic<bool> running_{false};
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<SipDatagram> seen_;
};

}  // namespace imsguard::testkit
