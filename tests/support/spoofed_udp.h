#pragma once
// Test support: one UDP datagram with a forged IPv4 source address and port, written through
// a raw socket (tests run as root), as an off-path attacker spoofing a trusted peer would.
// Loopback only: the destination must be in 127.0.0.0/8.
#include <arpa/inet.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace imsguard::testkit {

inline bool send_spoofed_udp(const std::string& payload, const std::string& source, uint16_t source_port,
                             uint16_t dest_port, const std::string& dest = "127.0.0.1") {
  in_addr src{}, dst{};
  if (inet_pton(AF_INET, source.c_str(), &src) != 1 || inet_pton(AF_INET, dest.c_str(), &dst) != 1) return false;
  if ((ntohl(dst.s_addr) >> 24) != 127) return false;
  int fd = ::socket(AF_INET, SOCK_RAW, IPPROTO_RAW);  // IP_HDRINCL implied
  if (fd < 0) return false;
  std::vector<uint8_t> packet(sizeof(iphdr) + sizeof(udphdr) + payload.size());
  auto* ip = reinterpret_cast<iphdr*>(packet.data());
  ip->version = 4;
  ip->ihl = 5;
  ip->ttl = 64;
  ip->protocol = IPPROTO_UDP;
  ip->tot_len = htons(static_cast<uint16_t>(packet.size()));
  ip->saddr = src.s_addr;
  ip->daddr = dst.s_addr;  // the kernel fills id and checksum
  auto* udp = reinterpret_cast<udphdr*>(packet.data() + sizeof(iphdr));
  udp->source = htons(source_port);
  udp->dest = htons(dest_port);
  udp->len = htons(static_cast<uint16_t>(sizeof(udphdr) + payload.size()));
  udp->check = 0;  // no checksum: allowed for UDP over IPv4
  std::memcpy(packet.data() + sizeof(iphdr) + sizeof(udphdr), payload.data(), payload.size());
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr = dst;
  ssize_t sent = ::sendto(fd, packet.data(), packet.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
  ::close(fd);
  return sent == static_cast<ssize_t>(packet.size());
}

}  // namespace imsguard::testkit
