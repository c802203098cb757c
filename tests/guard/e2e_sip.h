#pragma once
// Helpers of the guards' end-to-end tests: requests as a phone writes them, Digest
// registration over a loopback UDP peer, and a raw socket that sends a UDP datagram with any
// IPv4 source address and port (a spoofer's datagram; the tests run as root).
#include "digest_phone.h"
#include "imsguard_process.h"
#include "sip_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <string>

namespace imsguard::testkit {

// A request from `from_impu` sent by a peer on `port`; `extra` is added before Content-Length.
inline std::string sip_request(const std::string& method, const std::string& ruri, const std::string& from_impu,
                               uint16_t port, int cseq, const std::string& call_id, const std::string& extra = "",
                               const std::string& transport = "UDP") {
  static int branch = 0;
  std::string p = std::to_string(port);
  return method + " " + ruri + " SIP/2.0\r\nVia: SIP/2.0/" + transport + " 127.0.0.1:" + p + ";branch=z9hG4bKgd" +
         std::to_string(++branch) + "\r\nMax-Forwards: 70\r\nFrom: <" + from_impu + ">;tag=gd" + p + "\r\nTo: <" +
         (method == "REGISTER" ? from_impu : ruri) + ">\r\nCall-ID: " + call_id + "\r\nCSeq: " + std::to_string(cseq) +
         " " + method + "\r\n" + extra + "Content-Length: 0\r\n\r\n";
}

// The next datagram that is a response (requests such as keep-alives are skipped).
inline std::optional<std::string> next_response(UdpPeer& peer, std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    auto got = peer.receive(std::max(left, std::chrono::milliseconds(1)));
    if (!got) return std::nullopt;
    if (status_of(*got) > 0) return got;
  }
  return std::nullopt;
}

// The Authorization header answering the Digest challenge `challenge` (a 401): DigestPhone's
// answer, the one Digest client of the tests ("" when the challenge does not parse).
inline std::string digest_authorization(const std::string& challenge, const std::string& impi,
                                        const std::string& password) {
  auto c = DigestPhone::challenge_of(challenge);
  return c ? DigestPhone::answer(*c, impi, password) : std::string();
}

// Registers `impi` with Digest over UDP from `peer` (challenge, answer); the final status.
inline int register_udp(UdpPeer& peer, uint16_t edge_port, const std::string& impi, const std::string& impu,
                        const std::string& password) {
  std::string call_id = "gd-reg-" + std::to_string(peer.local_port());
  std::string contact = "Contact: <sip:u@127.0.0.1:" + std::to_string(peer.local_port()) + ">\r\nExpires: 600\r\n";
  peer.send(sip_request("REGISTER", "sip:ims.local", impu, peer.local_port(), 1, call_id, contact), edge_port);
  auto challenge = next_response(peer, std::chrono::seconds(5));
  if (!challenge || status_of(*challenge) != 401) return challenge ? status_of(*challenge) : 0;
  std::string auth = digest_authorization(*challenge, impi, password);
  if (auth.empty()) return 0;
  peer.send(sip_request("REGISTER", "sip:ims.local", impu, peer.local_port(), 2, call_id, contact + auth), edge_port);
  auto final = next_response(peer, std::chrono::seconds(5));
  return final ? status_of(*final) : 0;
}

// Sends UDP datagrams with a forged IPv4 source (IP_HDRINCL on a raw socket).
class SpoofedUdp {
 public:
  SpoofedUdp() : fd_(::socket(AF_INET, SOCK_RAW, IPPROTO_RAW)) {}
  ~SpoofedUdp() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  bool send(const std::string& from_ip, uint16_t from_port, const std::string& to_ip, uint16_t to_port,
            const std::string& payload) {
    std::string packet(28 + payload.size(), '\0');
    auto* b = reinterpret_cast<uint8_t*>(packet.data());
    b[0] = 0x45;  // IPv4, 20-byte header
    uint16_t total = htons(static_cast<uint16_t>(packet.size()));
    std::memcpy(b + 2, &total, 2);
    b[8] = 64;   // TTL
    b[9] = 17;   // UDP
    in_addr src{}, dst{};
    if (inet_pton(AF_INET, from_ip.c_str(), &src) != 1 || inet_pton(AF_INET, to_ip.c_str(), &dst) != 1) return false;
    std::memcpy(b + 12, &src, 4);
    std::memcpy(b + 16, &dst, 4);
    uint16_t checksum = ip_checksum(b);
    std::memcpy(b + 10, &checksum, 2);
    uint16_t sp = htons(from_port), dp = htons(to_port), len = htons(static_cast<uint16_t>(8 + payload.size()));
    std::memcpy(b + 20, &sp, 2);
    std::memcpy(b + 22, &dp, 2);
    std::memcpy(b + 24, &len, 2);  // checksum 0: none (IPv4)
    std::memcpy(b + 28, payload.data(), payload.size());
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr = dst;
    return ::sendto(fd_, packet.data(), packet.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) ==
           static_cast<ssize_t>(packet.size());
  }

 private:
  static uint16_t ip_checksum(const uint8_t* h) {
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2) sum += static_cast<uint32_t>(h[i] << 8 | h[i + 1]);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return htons(static_cast<uint16_t>(~sum));
  }
  int fd_;
};

}  // namespace imsguard::testkit
