// app::Node owns its counter registry (with its gauges and histograms) and its security
// event sink and hands them to every role it builds: two nodes in one process never mix
// their figures.
#include "registry_probe.h"
#include "app/node.h"

#include "ops/admin_client.h"
#include "ops/counters.h"
#include "ops/events.h"
#include "ops/exposition.h"

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

using registry_probe::registered;
using registry_probe::value;

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

// The port of the node's listener of `transport` ("listening: udp 127.0.0.1:PORT" in the banner).
uint16_t listen_port(const Node& node, const std::string& transport) {
  std::string banner = node.banner();
  auto line = banner.find("listening: " + transport + " 127.0.0.1:");
  if (line == std::string::npos) return 0;
  auto colon = banner.find(':', banner.find("127.0.0.1", line));
  return static_cast<uint16_t>(std::stoi(banner.substr(colon + 1)));
}

uint16_t udp_port(const Node& node) { return listen_port(node, "udp"); }

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

constexpr const char* kAdminToken = "node-test-admin-token-5e0d";

// As edge_config, plus a TCP listener and the admin API (its /metrics) on free loopback ports.
config::Config metered_config(const std::string& name) {
  config::Config c = edge_config(name);
  c.sip.listen.push_back({config::Transport::kTcp, "127.0.0.1", 0});
  c.admin.listen = {"127.0.0.1", 0};
  c.admin.token = kAdminToken;
  return c;
}

// The node's /metrics as a scraper reads it ("" when the admin API did not answer 200).
std::string scrape(const Node& node) {
  auto r = ops::admin_request("127.0.0.1", node.admin_port(), kAdminToken, "GET", "/metrics");
  return r.reached && r.status == 200 ? r.body : std::string();
}

// The value of the sample line "name value" in a /metrics text; -1 when the line is absent.
double sample(const std::string& text, const std::string& name) {
  for (size_t at = text.find(name + " "); at != std::string::npos; at = text.find(name + " ", at + 1))
    if (at == 0 || text[at - 1] == '\n') return std::stod(text.substr(at + name.size() + 1));
  return -1;
}

// Scrapes (bounded: 10 s) until the sample equals `want`; returns the last value seen.
double await_sample(const Node& node, const std::string& name, double want) {
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  double seen = sample(scrape(node), name);
  while (seen != want && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    seen = sample(scrape(node), name);
  }
  return seen;
}

// A TCP connection from loopback; closed when destroyed.
struct TcpConnection {
  int fd = -1;
  explicit TcpConnection(uint16_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) close();
  }
  ~TcpConnection() { close(); }
  void close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

// The gauges and histograms are the node's too (they live in its registry): a connection to
// node a, a message handled by it and a ban it holds show on a's /metrics and leave b's at 0.
TEST(Node, TwoNodesInOneProcessKeepTheirOwnGaugesAndHistograms) {
  const std::string kOpen = "imsguard_net_connections_open";
  const std::string kHandledUdp = "imsguard_message_handling_seconds_count{transport=\"udp\"}";
  const std::string kBans = "imsguard_guard_bans_active";
  RemoveDirs cleanup;
  Node a(metered_config("a"));
  Node b(metered_config("b"));
  Status started_a = a.start();
  ASSERT_TRUE(started_a.ok()) << started_a.to_string();
  Status started_b = b.start();
  ASSERT_TRUE(started_b.ok()) << started_b.to_string();
  ASSERT_NE(a.admin_port(), 0);
  ASSERT_NE(b.admin_port(), 0);
  ASSERT_NE(listen_port(a, "tcp"), 0) << a.banner();
  // Every series is there from the start, at 0, on both nodes.
  for (const Node* node : {&a, &b}) {
    std::string text = scrape(*node);
    ASSERT_FALSE(text.empty()) << "no /metrics from a node's admin API";
    EXPECT_EQ(sample(text, kOpen), 0) << text;
    EXPECT_EQ(sample(text, kHandledUdp), 0) << text;
    EXPECT_EQ(sample(text, kBans), 0) << text;
  }

  {
    TcpConnection to_a(listen_port(a, "tcp"));
    ASSERT_GE(to_a.fd, 0) << "cannot connect to node a";
    EXPECT_EQ(await_sample(a, kOpen, 1), 1) << "node a never counted its open connection";
    EXPECT_EQ(sample(scrape(b), kOpen), 0) << "node a's connection counted by node b";
  }
  EXPECT_EQ(await_sample(a, kOpen, 0), 0) << "node a's gauge did not come down when the connection closed";

  send_options(udp_port(a));
  EXPECT_EQ(await_sample(a, kHandledUdp, 1), 1) << "node a never timed the datagram it handled";
  EXPECT_EQ(sample(scrape(b), kHandledUdp), 0) << "node a's message timed in node b's histogram";
  // The same figures through the registry the node hands its roles.
  EXPECT_NE(ops::prometheus_text(a.metrics()).find("\n" + kHandledUdp + " 1\n"), std::string::npos);
  EXPECT_NE(ops::prometheus_text(b.metrics()).find("\n" + kHandledUdp + " 0\n"), std::string::npos);

  // A gauge sampled from the node's own tables: a ban through a's admin API.
  auto added = ops::admin_request("127.0.0.1", a.admin_port(), kAdminToken, "POST", "/api/v1/bans",
                                  R"({"prefix": "198.51.100.0/24", "ttl_s": 600, "reason": "node test"})");
  ASSERT_TRUE(added.reached) << added.error;
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(sample(scrape(a), kBans), 1);
  EXPECT_EQ(sample(scrape(b), kBans), 0) << "node a's ban sampled into node b's gauge";

  a.stop();
  b.stop();
}

}  // namespace
}  // namespace imsguard::app
