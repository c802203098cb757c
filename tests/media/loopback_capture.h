#pragma once
// A raw AF_PACKET capture on the loopback interface (root only), running in a thread for
// the length of one call: what an eavesdropper on the media path would see. Counts the UDP
// datagrams that look like PCMU RTP and those whose bytes contain the tone in clear.
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "media/rtp.h"

namespace imsguard::media::testing {

class LoopbackCapture {
 public:
  // false (with error) when the raw socket cannot be opened (not root).
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
    // Every loopback datagram of the machine lands here (other tests' floods included): a
    // large buffer keeps the call's packets from being dropped while the thread catches up.
    int bytes = 64 << 20;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes);
    running_ = true;
    thread_ = std::thread([this] { loop(); });
    return true;
  }
  void stop() {
    running_ = false;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) {
      tpacket_stats st{};
      socklen_t len = sizeof st;
      if (::getsockopt(fd_, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) drops_ += st.tp_drops;
    }
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  ~LoopbackCapture() { stop(); }

  uint64_t rtp_like() const { return rtp_like_; }        // UDP, RTP v2, PT 0, >= 172 bytes
  uint64_t plaintext_tone() const { return tone_; }      // UDP payloads containing the tone
  uint64_t udp() const { return udp_; }
  uint64_t drops() const { return drops_; }  // frames the kernel dropped (buffer full)
  // RTCP receiver reports (PT 201; the header stays in clear under SRTCP).
  uint64_t receiver_reports() const { return receiver_reports_; }
  // Distinct UDP source ports of the RTP-like datagrams: the number of streams (after stop()).
  size_t rtp_sources() const { return rtp_source_ports_.size(); }

 private:
  void loop() {
    std::vector<uint8_t> buf(70000);
    const auto& tone = tone_frame();
    for (;;) {
      // After stop() what is already queued is still read: a loaded machine lets the
      // thread fall behind, and the datagrams of the call's last moments must count.
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
      const uint8_t* udp = ip + ihl + 8;
      size_t payload = static_cast<size_t>(n) - 14 - ihl - 8;
      ++udp_;
      if (payload >= kRtpHeaderSize + kPcmuFrameSamples && (udp[0] & 0xc0) == 0x80 && (udp[1] & 0x7f) == 0) {
        ++rtp_like_;
        rtp_source_ports_.insert(static_cast<uint16_t>(ip[ihl] << 8 | ip[ihl + 1]));
      }
      if (payload >= 8 && (udp[0] & 0xc0) == 0x80 && udp[1] == 201) ++receiver_reports_;
      if (std::search(udp, udp + payload, tone.begin(), tone.begin() + 32) != udp + payload) ++tone_;
    }
  }

  int fd_ = -1;
  std::atomic<bool> running_{false};
  std::thread thread_;
  std::atomic<uint64_t> rtp_like_{0}, tone_{0}, udp_{0}, receiver_reports_{0};
  uint64_t drops_ = 0;
  std::set<uint16_t> rtp_source_ports_;  // capture thread only until stop() joins it
};

}  // namespace imsguard::media::testing
