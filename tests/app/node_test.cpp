// app::Node owns its counter registry and its security event sink and hands them to every
// role it builds: two nodes in one process never mix their figures.
#include "app/node.h"

#include "ops/counters.h"
#include "ops/events.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

namespace imsguard::app {
namespace {

// An edge-only node on a free loopback UDP port, state in memory, in its own directory.
config::Config edge_config(const std::string& name) {
  config::Config c;
  c.roles = {"edge"};
  c.state = "memory";
  c.data_dir = (std::filesystem::temp_directory_path() /
                ("imsguard-node-test-" + name + "-" + std::to_string(::getpid())))
                   .string();
  std::filesystem::remove_all(c.data_dir);
  c.sip.listen = {{config::Transport::kUdp, "127.0.0.1", 0}};
  c.events_output = "none";
  return c;
}

uint64_t value(ops::CounterRegistry& r, std::string_view name) {
  for (const auto& [n, v] : r.snapshot())
    if (n == name) return v;
  return 0;
}

bool registered(ops::CounterRegistry& r, std::string_view name) {
  for (const auto& [n, v] : r.snapshot())
    if (n == name) return true;
  return false;
}

void send_options(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const std::string msg =
      "OPTIONS sip:edge@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKnodetest\r\n"
      "Max-Forwards: 70\r\nFrom: <sip:probe@ims.local>;tag=1\r\nTo: <sip:edge@ims.local>\r\n"
      "Call-ID: node-test\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
  ASSERT_EQ(::sendto(fd, msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to),
            static_cast<ssize_t>(msg.size()));
  ::close(fd);
}

// Polls (bounded: 10 s) until the counter reaches `want`.
bool reaches(ops::CounterRegistry& r, std::string_view name, uint64_t want) {
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < end) {
    if (value(r, name) >= want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

uint16_t udp_port(const Node& node) {
  // "listening: udp 127.0.0.1:PORT" is the banner's first line.
  std::string banner = node.banner();
  auto colon = banner.find(':', banner.find("127.0.0.1"));
  return static_cast<uint16_t>(std::stoi(banner.substr(colon + 1)));
}

// Removes the nodes' data directories however the test ends.
struct RemoveDirs {
  ~RemoveDirs() {
    std::error_code ec;
    for (const char* name : {"a", "b"}) std::filesystem::remove_all(edge_config(name).data_dir, ec);
  }
};

TEST(Node, TwoNodesInOneProcessKeepTheirOwnCounters) {
  constexpr std::string_view kParsed = "imsguard_edge_messages_total{outcome=\"parsed\"}";
  RemoveDirs cleanup;
  Node a(edge_config("a"));
  Node b(edge_config("b"));
  Status started_a = a.start();
  ASSERT_TRUE(started_a.ok()) << started_a.to_string();
  Status started_b = b.start();
  ASSERT_TRUE(started_b.ok()) << started_b.to_string();
  EXPECT_NE(&a.metrics(), &b.metrics());
  EXPECT_NE(&a.events(), &b.events());

  send_options(udp_port(a));
  ASSERT_TRUE(reaches(a.metrics(), kParsed, 1)) << "node a never counted the datagram";
  EXPECT_EQ(value(a.metrics(), kParsed), 1u);
  EXPECT_EQ(value(b.metrics(), kParsed), 0u) << "traffic to node a moved node b's counter";
  // The transports count into their node's registry too.
  constexpr std::string_view kDatagrams = "imsguard_net_udp_datagrams_total";
  EXPECT_EQ(value(a.metrics(), kDatagrams), 1u);
  EXPECT_EQ(value(b.metrics(), kDatagrams), 0u) << "node a's datagram counted by node b's server";

  send_options(udp_port(b));
  send_options(udp_port(b));
  ASSERT_TRUE(reaches(b.metrics(), kParsed, 2)) << "node b never counted its datagrams";
  EXPECT_EQ(value(b.metrics(), kParsed), 2u);
  EXPECT_EQ(value(a.metrics(), kParsed), 1u) << "traffic to node b moved node a's counter";
  // The media outcomes of the calls each edge relays (media::NegotiationLog, once on the
  // process-wide registry) are resolved in that node's registry when its proxy is built.
  constexpr std::string_view kMediaRefused = "imsguard_srtp_sessions_total{outcome=\"refused\"}";
  EXPECT_TRUE(registered(a.metrics(), kMediaRefused));
  EXPECT_TRUE(registered(b.metrics(), kMediaRefused));
  // The shutdown summary is the node's own.
  EXPECT_NE(a.counters_summary().find(std::string(kParsed) + " 1\n"), std::string::npos) << a.counters_summary();
  EXPECT_NE(b.counters_summary().find(std::string(kParsed) + " 2\n"), std::string::npos) << b.counters_summary();

  a.stop();
  b.stop();
}

}  // namespace
}  // namespace imsguard::app
