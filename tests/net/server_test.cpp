// The transports on loopback with a recording handler: datagrams and framed stream messages
// reach the handler whole, replies go back on the same flow, and the connection limits and
// deadlines cut off what they must.
#include "net/pki.h"
#include "../support/test_telemetry.h"
#include "net/server.h"
#include "net/tls_context.h"
#include "ops/counters.h"
#include "process.h"
#include "sip_socket.h"

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

using namespace imsguard;
using namespace std::chrono_literals;

namespace {

// Echoes every message back, prefixed by the flow, and records what it saw.
class EchoHandler final : public net::MessageHandler {
 public:
  void on_message(const net::Flow& flow, std::string_view bytes, net::Responder& reply) override {
    {
      std::lock_guard lock(mutex);
      messages.emplace_back(bytes);
      flows.push_back(flow.to_string());
    }
    reply.send(std::string(bytes));
  }
  void on_stream_error(const net::Flow&, int code, std::string_view, net::Responder&) override {
    errors.fetch_add(1);
    last_error_code = code;
  }
  std::mutex mutex;
  std::vector<std::string> messages;
  std::vector<std::string> flows;
  std::atomic<int> errors{0};
  std::atomic<int> last_error_code{0};
};

const std::string kOptions =
    "OPTIONS sip:edge@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bK1\r\n"
    "Call-ID: a\r\nCSeq: 1 OPTIONS\r\nContent-Length: 4\r\n\r\nbody";

net::ServerOptions options(std::vector<config::Listener> listeners) {
  net::ServerOptions o;
  o.listeners = std::move(listeners);
  o.workers = 2;
  return o;
}

}  // namespace

TEST(Server, UdpDatagramReachesHandlerAndReplyReturns) {
  test::Telemetry t;
  EchoHandler h;
  net::Server s(options({{config::Transport::kUdp, "127.0.0.1", 0}}), t.metrics);
  ASSERT_TRUE(s.start(h).ok());
  testkit::UdpPeer peer;
  ASSERT_TRUE(peer.send("hello", s.bound_port(0)));
  auto reply = peer.receive(2000ms);
  ASSERT_TRUE(reply);
  EXPECT_EQ(*reply, "hello");
  std::lock_guard lock(h.mutex);
  ASSERT_EQ(h.flows.size(), 1u);
  EXPECT_EQ(h.flows[0], "udp:127.0.0.1:" + std::to_string(peer.local_port()));
}

TEST(Server, TcpFramesByContentLengthAcrossSegments) {
  test::Telemetry t;
  EchoHandler h;
  net::Server s(options({{config::Transport::kTcp, "127.0.0.1", 0}}), t.metrics);
  ASSERT_TRUE(s.start(h).ok());
  testkit::TcpPeer peer;
  ASSERT_TRUE(peer.connect(s.bound_port(0)));
  // Two messages, the first split mid-header, plus a keep-alive in between.
  ASSERT_TRUE(peer.send(kOptions.substr(0, 20)));
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(peer.send(kOptions.substr(20) + "\r\n\r\n" + kOptions));
  auto first = peer.receive_message(3000ms);
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, kOptions);
  ASSERT_TRUE(testkit::eventually([&] { std::lock_guard l(h.mutex); return h.messages.size() == 2; }, 3000ms));
  std::lock_guard lock(h.mutex);
  EXPECT_EQ(h.messages[0], kOptions);
  EXPECT_EQ(h.messages[1], kOptions);
}

TEST(Server, PipelinedMessagesAreAnsweredInFewerWritesThanAnswers) {
  test::Telemetry t;
  EchoHandler h;
  net::Server s(options({{config::Transport::kTcp, "127.0.0.1", 0}}), t.metrics);
  ASSERT_TRUE(s.start(h).ok());
  auto& writes = t.metrics.get("imsguard_net_stream_writes_total");
  testkit::TcpPeer peer;
  ASSERT_TRUE(peer.connect(s.bound_port(0)));
  const uint64_t before = writes.value();
  std::string five;
  for (int i = 0; i < 5; ++i) five += kOptions;
  ASSERT_TRUE(peer.send(five));
  for (int i = 0; i < 5; ++i) {
    auto answer = peer.receive_message(3000ms);
    ASSERT_TRUE(answer) << i;
    EXPECT_EQ(*answer, kOptions);
  }
  // The five arrived in one segment: their answers left together, not one write each.
  EXPECT_LT(writes.value() - before, 5u);
}

// Answers a 256 KB body to every message: a client that sends and never reads makes the
// answers pile up.
class BigAnswerHandler final : public net::MessageHandler {
 public:
  void on_message(const net::Flow&, std::string_view, net::Responder& reply) override {
    reply.send(std::string(256 * 1024, 'x'));
  }
  void on_stream_error(const net::Flow&, int, std::string_view, net::Responder&) override {}
};

TEST(Server, PeerThatNeverReadsIsClosedRatherThanBufferedWithoutBound) {
  test::Telemetry t;
  BigAnswerHandler h;
  net::Server s(options({{config::Transport::kTcp, "127.0.0.1", 0}}), t.metrics);
  ASSERT_TRUE(s.start(h).ok());
  auto& closed = t.metrics.get("imsguard_net_connections_closed_total{reason=\"slow_reader\"}");
  const uint64_t before = closed.value();
  testkit::TcpPeer peer;
  ASSERT_TRUE(peer.connect(s.bound_port(0)));
  std::string many;
  for (int i = 0; i < 100; ++i) many += kOptions;  // 25 MB of answers, far past the socket buffers
  ASSERT_TRUE(peer.send(many));
  EXPECT_TRUE(testkit::eventually([&] { return closed.value() > before; }, 10000ms));
}

TEST(Server, TcpFramingErrorClosesTheConnection) {
  test::Telemetry t;
  EchoHandler h;
  net::Server s(options({{config::Transport::kTcp, "127.0.0.1", 0}}), t.metrics);
  ASSERT_TRUE(s.start(h).ok());
  testkit::TcpPeer peer;
  ASSERT_TRUE(peer.connect(s.bound_port(0)));
  ASSERT_TRUE(peer.send("OPTIONS sip:a SIP/2.0\r\nContent-Length: -5\r\n\r\n"));
  EXPECT_TRUE(peer.closed_by_peer(3000ms));
  EXPECT_EQ(h.errors.load(), 1);
}

TEST(Server, PerSourceConnectionLimitRefusesTheExtraConnection) {
  test::Telemetry t;
  EchoHandler h;
  auto o = options({{config::Transport::kTcp, "127.0.0.1", 0}});
  o.connections.max_per_source = 2;
  net::Server s(o, t.metrics);
  ASSERT_TRUE(s.start(h).ok());
  testkit::TcpPeer a, b, c;
  ASSERT_TRUE(a.connect(s.bound_port(0)));
  ASSERT_TRUE(b.connect(s.bound_port(0)));
  ASSERT_TRUE(c.connect(s.bound_port(0)));  // the kernel accepts; the server closes it
  EXPECT_TRUE(c.closed_by_peer(3000ms));
  ASSERT_TRUE(a.send(kOptions));
  EXPECT_TRUE(a.receive_message(3000ms));
}

TEST(Server, SlowHeaderClientIsCutOffAtTheMessageDeadline) {
  test::Telemetry t;
  EchoHandler h;
  auto o = options({{config::Transport::kTcp, "127.0.0.1", 0}});
  o.connections.message_deadline_s = 1;
  net::Server s(o, t.metrics);
  ASSERT_TRUE(s.start(h).ok());
  testkit::TcpPeer peer;
  ASSERT_TRUE(peer.connect(s.bound_port(0)));
  ASSERT_TRUE(peer.send("OPTIONS sip:a SIP/2.0\r\nVia: SIP/2.0/TCP x"));
  // The rest never comes: the connection must be closed, and the handler never called.
  EXPECT_TRUE(peer.closed_by_peer(5000ms));
  std::lock_guard lock(h.mutex);
  EXPECT_TRUE(h.messages.empty());
}

TEST(Server, TlsHandshakeThenFramedMessages) {
  test::Telemetry t;
  std::string dir = testkit::make_temp_dir("imsguard-tls");
  ASSERT_TRUE(net::pki_init(dir).ok());
  ASSERT_TRUE(net::pki_issue(dir, "edge", {"127.0.0.1"}, false).ok());
  auto server_ctx = net::make_tls_context({dir + "/ca.crt", dir + "/edge.crt", dir + "/edge.key"}, net::TlsRole::kServer, false);
  ASSERT_TRUE(server_ctx.ok()) << server_ctx.message();
  EchoHandler h;
  auto o = options({{config::Transport::kTls, "127.0.0.1", 0}});
  o.tls = server_ctx.value();
  net::Server s(o, t.metrics);
  ASSERT_TRUE(s.start(h).ok());

  auto client_ctx = net::make_tls_context({dir + "/ca.crt", "", ""}, net::TlsRole::kClient, false);
  ASSERT_TRUE(client_ctx.ok()) << client_ctx.message();
  asio::io_context io;
  asio::ssl::stream<asio::ip::tcp::socket> stream(io, **client_ctx);
  stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), s.bound_port(0)});
  stream.handshake(asio::ssl::stream_base::client);
  EXPECT_GE(SSL_version(stream.native_handle()), TLS1_2_VERSION);
  asio::write(stream, asio::buffer(kOptions));
  std::string got(kOptions.size(), '\0');
  asio::read(stream, asio::buffer(got));
  EXPECT_EQ(got, kOptions);
  std::filesystem::remove_all(dir);
}

TEST(Server, TlsRefusesAPlainTextClient) {
  test::Telemetry t;
  std::string dir = testkit::make_temp_dir("imsguard-tls");
  ASSERT_TRUE(net::pki_init(dir).ok());
  ASSERT_TRUE(net::pki_issue(dir, "edge", {"127.0.0.1"}, false).ok());
  auto ctx = net::make_tls_context({dir + "/ca.crt", dir + "/edge.crt", dir + "/edge.key"}, net::TlsRole::kServer, false);
  EchoHandler h;
  auto o = options({{config::Transport::kTls, "127.0.0.1", 0}});
  ASSERT_TRUE(ctx.ok()) << ctx.message();
  o.tls = ctx.value();
  net::Server s(o, t.metrics);
  ASSERT_TRUE(s.start(h).ok());
  testkit::TcpPeer peer;
  ASSERT_TRUE(peer.connect(s.bound_port(0)));
  ASSERT_TRUE(peer.send(kOptions));
  EXPECT_TRUE(peer.closed_by_peer(5000ms));
  std::lock_guard lock(h.mutex);
  EXPECT_TRUE(h.messages.empty());
  std::filesystem::remove_all(dir);
}

TEST(Server, PortInUseIsAClearStartError) {
  test::Telemetry t;
  EchoHandler h;
  net::Server a(options({{config::Transport::kTcp, "127.0.0.1", 0}}), t.metrics);
  ASSERT_TRUE(a.start(h).ok());
  net::Server b(options({{config::Transport::kTcp, "127.0.0.1", a.bound_port(0)}}), t.metrics);
  // SO_REUSEADDR does not allow two listeners on one TCP port.
  auto second = b.start(h);
  EXPECT_FALSE(second.ok());
  EXPECT_EQ(second.code(), Code::kUnavailable);
  EXPECT_NE(second.message().find("tcp 127.0.0.1:"), std::string::npos) << second.message();
}

namespace {

// Keeps every datagram's flow and the thread that handled it; answers nothing.
class RecordingHandler final : public net::MessageHandler {
 public:
  void on_message(const net::Flow& flow, std::string_view bytes, net::Responder& reply) override {
    std::lock_guard lock(mutex);
    flows.push_back(flow);
    messages.emplace_back(bytes);
    threads.push_back(std::this_thread::get_id());
    if (echo) reply.send(std::string(bytes));
  }
  void on_stream_error(const net::Flow&, int, std::string_view, net::Responder&) override {}
  size_t count() {
    std::lock_guard lock(mutex);
    return messages.size();
  }
  bool echo = false;
  std::mutex mutex;
  std::vector<net::Flow> flows;
  std::vector<std::string> messages;
  std::vector<std::thread::id> threads;
};

}  // namespace

// A phone that sent to 127.0.0.2 hears back from 127.0.0.2, not from the address the kernel
// would pick (127.0.0.1): a listener on 0.0.0.0 names the source of each datagram it sends,
// as an answer on the same flow (Responder) and as a request sent later (send_to).
TEST(Server, AWildcardUdpListenerSendsFromTheAddressThePeerSentTo) {
  test::Telemetry t;
  RecordingHandler h;
  h.echo = true;
  net::Server s(options({{config::Transport::kUdp, "0.0.0.0", 0}}), t.metrics);
  ASSERT_TRUE(s.start(h).ok());
  testkit::UdpPeer peer;  // bound to 127.0.0.1
  for (const std::string to : {"127.0.0.2", "127.0.0.3"}) {
    ASSERT_TRUE(peer.send("to " + to, s.bound_port(0), to));
    auto reply = peer.receive(2000ms);
    ASSERT_TRUE(reply) << to;
    EXPECT_EQ(*reply, "to " + to);
    EXPECT_EQ(peer.last_sender(), to) << "the answer left from another address than the one the peer sent to";
  }
  net::Flow flow;
  {
    std::lock_guard lock(h.mutex);
    ASSERT_EQ(h.flows.size(), 2u);
    flow = h.flows[0];
  }
  EXPECT_EQ(flow.local_address.to_string(), "127.0.0.2");
  ASSERT_TRUE(s.send_to(flow, "later"));
  auto later = peer.receive(2000ms);
  ASSERT_TRUE(later);
  EXPECT_EQ(*later, "later");
  EXPECT_EQ(peer.last_sender(), "127.0.0.2") << "a request sent on the flow later";
}

// Every datagram of one source (address and port) is handled by one worker, in the order
// sent: spread over workers, a 200 overtakes the 180 sent before it (bench/edge/call_bench.sh
// saw it on about 23% of relayed calls). A burst of 2000 from one socket to four workers.
TEST(Server, DatagramsOfOneSourceStayOnOneWorkerInTheirOrder) {
  test::Telemetry t;
  RecordingHandler h;
  auto o = options({{config::Transport::kUdp, "127.0.0.1", 0}});
  o.workers = 4;
  net::Server s(o, t.metrics);
  ASSERT_TRUE(s.start(h).ok());
  testkit::UdpPeer peer;
  constexpr int kBurst = 2000;
  for (int i = 0; i < kBurst; ++i) ASSERT_TRUE(peer.send(std::to_string(i), s.bound_port(0)));
  auto until = std::chrono::steady_clock::now() + 20s;
  while (h.count() < kBurst && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(10ms);
  std::lock_guard lock(h.mutex);
  ASSERT_EQ(h.messages.size(), static_cast<size_t>(kBurst)) << "datagrams lost on loopback";
  size_t out_of_order = 0;
  for (size_t i = 0; i < h.messages.size(); ++i)
    if (h.messages[i] != std::to_string(i)) ++out_of_order;
  EXPECT_EQ(out_of_order, 0u) << "datagrams of one source handled out of their order";
  std::set<std::thread::id> workers(h.threads.begin(), h.threads.end());
  EXPECT_EQ(workers.size(), 1u) << "one source's datagrams were spread over workers";
}

// The same on a dual-stack listener bound to ::: an IPv4 phone that sent to 127.0.0.2 hears
// back from 127.0.0.2 (IPV6_PKTINFO naming the IPv4-mapped address).
TEST(Server, ADualStackWildcardListenerAnswersAnIpv4PeerFromTheAddressItSentTo) {
  test::Telemetry t;
  RecordingHandler h;
  h.echo = true;
  net::Server s(options({{config::Transport::kUdp, "::", 0}}), t.metrics);
  ASSERT_TRUE(s.start(h).ok());
  testkit::UdpPeer peer;
  ASSERT_TRUE(peer.send("mapped", s.bound_port(0), "127.0.0.2"));
  auto reply = peer.receive(2000ms);
  ASSERT_TRUE(reply);
  EXPECT_EQ(peer.last_sender(), "127.0.0.2");
  net::Flow flow;
  {
    std::lock_guard lock(h.mutex);
    ASSERT_EQ(h.flows.size(), 1u);
    flow = h.flows[0];
  }
  ASSERT_TRUE(s.send_to(flow, "later"));
  ASSERT_TRUE(peer.receive(2000ms));
  EXPECT_EQ(peer.last_sender(), "127.0.0.2") << "a request sent on the flow later";
}
