#pragma once
// What a third party on the loopback path sees, for the tests that must show what does (or
// does not) cross the wire in clear: one raw AF_PACKET tap on `lo` (root only) in a thread,
// and three views of it. RtpCapture counts the media (PCMU RTP, the test tone in clear,
// RTCP receiver reports); MarkerSniffer keeps the UDP and TCP payloads that contain a
// marker (SDES keys, content tokens: TLS never shows it in clear); SipCapture lists which
// port sent which SIP message to which port. The tap sees the `lo` of the network namespace
// it was started in: a test that counts packets runs in a PrivateLoopback
// (private_loopback.h), so other sessions' traffic on the machine's loopback is not counted.
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "media/rtp.h"

namespace imsguard::testkit {

// One IPv4 UDP or TCP packet as it arrived on lo (each packet once: the outgoing copy of the
// loopback pair is skipped).
struct LoopbackPacket {
  uint8_t protocol = 0;  // IPPROTO_UDP or IPPROTO_TCP
  uint16_t from_port = 0, to_port = 0;
  const uint8_t* transport = nullptr;  // the UDP or TCP header
  std::string_view payload;            // after the UDP or TCP header
};

// The tap: every packet on lo handed to `visit` on the capture thread.
class LoopbackTap {
 public:
  using Visitor = std::function<void(const LoopbackPacket&)>;
  // `buffer_bytes`: every loopback datagram of the machine lands here (other tests' floods
  // included); a large buffer keeps the test's packets from being dropped meanwhile.
  explicit LoopbackTap(Visitor visit, int buffer_bytes = 16 << 20) : visit_(std::move(visit)), buffer_(buffer_bytes) {}
  ~LoopbackTap() { stop(); }
  LoopbackTap(const LoopbackTap&) = delete;
  LoopbackTap& operator=(const LoopbackTap&) = delete;

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
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &buffer_, sizeof buffer_);
    running_ = true;
    thread_ = std::thread([this] { loop(); });
    return true;
  }
  // Reads what is already queued, then stops; the visitor is not called afterwards.
  void stop() {
    running_ = false;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) {
      tpacket_stats st{};
      socklen_t len = sizeof st;
      if (::getsockopt(fd_, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) drops_ += st.tp_drops;
      ::close(fd_);
    }
    fd_ = -1;
  }
  uint64_t drops() const { return drops_; }  // frames the kernel dropped (buffer full), after stop()

 private:
  void loop() {
    std::vector<uint8_t> buf(70000);
    for (;;) {
      // After stop() what is already queued is still read: a loaded machine lets the thread
      // fall behind, and the packets of the test's last moments must count.
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
      const size_t ihl = size_t{static_cast<uint8_t>(ip[0] & 0x0f)} * 4;
      const size_t end = static_cast<size_t>(n) - 14;
      size_t header = 0;
      if (ip[9] == IPPROTO_UDP && end >= ihl + 8) header = ihl + 8;
      else if (ip[9] == IPPROTO_TCP && end >= ihl + 20) header = ihl + size_t{static_cast<uint8_t>(ip[ihl + 12] >> 4)} * 4;
      else continue;
      if (header > end) continue;
      LoopbackPacket packet;
      packet.protocol = ip[9];
      packet.transport = ip + ihl;
      packet.from_port = static_cast<uint16_t>(ip[ihl] << 8 | ip[ihl + 1]);
      packet.to_port = static_cast<uint16_t>(ip[ihl + 2] << 8 | ip[ihl + 3]);
      packet.payload = std::string_view(reinterpret_cast<const char*>(ip + header), end - header);
      visit_(packet);
    }
  }

  Visitor visit_;
  int buffer_;
  int fd_ = -1;
  std::atomic<bool> running_{false};
  std::thread thread_;
  uint64_t drops_ = 0;
};

// The media of a call as an eavesdropper counts it: UDP datagrams that look like PCMU RTP,
// those whose bytes hold the test tone in clear, RTCP receiver reports.
class RtpCapture {
 public:
  bool start(std::string& error) { return tap_.start(error); }
  void stop() { tap_.stop(); }

  uint64_t rtp_like() const { return rtp_like_; }        // UDP, RTP v2, PT 0, >= 172 bytes
  uint64_t plaintext_tone() const { return tone_count_; }  // UDP payloads containing the tone
  uint64_t udp() const { return udp_; }
  uint64_t drops() const { return tap_.drops(); }
  // RTCP receiver reports (PT 201; the header stays in clear under SRTCP).
  uint64_t receiver_reports() const { return receiver_reports_; }
  // Distinct UDP source ports of the RTP-like datagrams: the number of streams.
  size_t rtp_sources() const {
    std::lock_guard lock(mutex_);
    return rtp_from_.size();
  }
  // RTP-like datagrams sent from / to `port` (one party's RTP port): one direction of a call.
  uint64_t rtp_like_from(uint16_t port) const { return of(rtp_from_, port); }
  uint64_t rtp_like_to(uint16_t port) const { return of(rtp_to_, port); }

 private:
  void count(const LoopbackPacket& p) {
    if (p.protocol != IPPROTO_UDP) return;
    const auto* udp = reinterpret_cast<const uint8_t*>(p.payload.data());
    const size_t payload = p.payload.size();
    ++udp_;
    if (payload >= media::kRtpHeaderSize + media::kPcmuFrameSamples && (udp[0] & 0xc0) == 0x80 && (udp[1] & 0x7f) == 0) {
      ++rtp_like_;
      std::lock_guard lock(mutex_);
      ++rtp_from_[p.from_port];
      ++rtp_to_[p.to_port];
    }
    if (payload >= 8 && (udp[0] & 0xc0) == 0x80 && udp[1] == 201) ++receiver_reports_;
    if (std::search(udp, udp + payload, tone_.begin(), tone_.begin() + 32) != udp + payload) ++tone_count_;
  }

  uint64_t of(const std::map<uint16_t, uint64_t>& counts, uint16_t port) const {
    std::lock_guard lock(mutex_);
    auto it = counts.find(port);
    return it == counts.end() ? 0 : it->second;
  }

  const std::vector<uint8_t>& tone_ = media::tone_frame();
  std::atomic<uint64_t> rtp_like_{0}, tone_count_{0}, udp_{0}, receiver_reports_{0};
  mutable std::mutex mutex_;
  std::map<uint16_t, uint64_t> rtp_from_, rtp_to_;  // RTP-like datagrams by source / destination port
  LoopbackTap tap_{[this](const LoopbackPacket& p) { count(p); }, 64 << 20};  // last: stopped first
};

// The UDP and TCP payloads that contain `marker`, "udp "/"tcp " prefixed.
class MarkerSniffer {
 public:
  explicit MarkerSniffer(std::string marker) : marker_(std::move(marker)) {}
  bool start(std::string& error) { return tap_.start(error); }
  void stop() { tap_.stop(); }
  std::vector<std::string> hits() const {
    std::lock_guard lock(mutex_);
    return hits_;
  }

 private:
  void keep(const LoopbackPacket& p) {
    if (p.payload.find(marker_) == std::string_view::npos) return;
    std::lock_guard lock(mutex_);
    hits_.push_back((p.protocol == IPPROTO_UDP ? "udp " : "tcp ") + std::string(p.payload));
  }

  std::string marker_;
  mutable std::mutex mutex_;
  std::vector<std::string> hits_;
  LoopbackTap tap_{[this](const LoopbackPacket& p) { keep(p); }};
};

struct SipDatagram {
  uint16_t from_port = 0;
  uint16_t to_port = 0;
  std::string first_line;  // "BYE sip:... SIP/2.0" or "SIP/2.0 200 OK"
};

// SIP over UDP: which port sent which message to which port.
class SipCapture {
 public:
  bool start(std::string& error) { return tap_.start(error); }
  void stop() { tap_.stop(); }
  std::vector<SipDatagram> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  void keep(const LoopbackPacket& p) {
    if (p.protocol != IPPROTO_UDP) return;
    size_t eol = p.payload.find("\r\n");
    if (eol == std::string_view::npos) return;
    std::string_view line = p.payload.substr(0, eol);
    bool sip = line.rfind("SIP/2.0 ", 0) == 0 || (line.size() > 8 && line.substr(line.size() - 8) == " SIP/2.0");
    if (!sip) return;
    std::lock_guard lock(mutex_);
    seen_.push_back({p.from_port, p.to_port, std::string(line)});
  }

  mutable std::mutex mutex_;
  std::vector<SipDatagram> seen_;
  LoopbackTap tap_{[this](const LoopbackPacket& p) { keep(p); }};
};

}  // namespace imsguard::testkit
