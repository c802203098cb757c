// Connection slots against a real `imsguard run` (issue 17, F11): sockets that never speak
// must not hold the connection table. A TCP connection that sends nothing is closed at the
// first-byte deadline, a TLS handshake that does not finish at its own deadline, and when
// the table is full the oldest connections of strangers are closed to admit newcomers while
// a registered client's connection is kept.
#include "e2e_sip.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

// A TCP connection from a chosen loopback address that sends nothing.
class IdleSocket {
 public:
  IdleSocket(const std::string& from, uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    inet_pton(AF_INET, from.c_str(), &local.sin_addr);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    connected_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0 &&
                 ::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
  }
  ~IdleSocket() { ::close(fd_); }
  bool connected() const { return connected_; }
  // True when the server closed it within `timeout`.
  bool closed_within(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char c;
    return ::recv(fd_, &c, 1, MSG_DONTWAIT) <= 0;
  }

 private:
  int fd_;
  bool connected_ = false;
};

// REGISTER with Digest over an open TCP connection; the final status.
int register_tcp(TcpPeer& peer, const std::string& impi, const std::string& impu, const std::string& password) {
  std::string call_id = "net-reg-" + std::to_string(peer.local_port());
  std::string contact = "Contact: <sip:u@127.0.0.1:" + std::to_string(peer.local_port()) + ";transport=tcp>\r\nExpires: 600\r\n";
  peer.send(sip_request("REGISTER", "sip:ims.local", impu, peer.local_port(), 1, call_id, contact, "TCP"));
  auto challenge = peer.receive_message(5s);
  if (!challenge || status_of(*challenge) != 401) return challenge ? status_of(*challenge) : 0;
  std::string auth = digest_authorization(*challenge, impi, password);
  peer.send(sip_request("REGISTER", "sip:ims.local", impu, peer.local_port(), 2, call_id, contact + auth, "TCP"));
  auto final = peer.receive_message(5s);
  return final ? status_of(*final) : 0;
}

// An OPTIONS to the edge over `peer`: its answer's status (0: none, the connection is gone).
int options_over(TcpPeer& peer, const std::string& call_id) {
  peer.send(sip_request("OPTIONS", "sip:127.0.0.1", "sip:probe@ims.local", peer.local_port(), 1, call_id, "", "TCP"));
  auto answer = peer.receive_message(3s);
  return answer ? status_of(*answer) : 0;
}

ImsguardOptions with_connections(const std::string& yaml, bool tls = false) {
  ImsguardOptions o;
  o.tls = tls;
  o.extra_yaml = "connections: " + yaml + "\n";
  return o;
}

// Defaults: a silent connection is closed at first_byte_deadline_s (10 s), not idle_timeout_s (300 s).
TEST(ConnectionsE2e, ATcpConnectionThatNeverSpeaksIsClosedAtTheFirstByteDeadline) {
  ImsguardProcess edge;
  ASSERT_TRUE(edge.start(with_connections("{ idle_timeout_s: 300 }"))) << edge.log();
  IdleSocket silent("127.0.0.1", edge.sip_port());
  ASSERT_TRUE(silent.connected());
  EXPECT_TRUE(silent.closed_within(15s)) << "a silent connection was kept past the first-byte deadline";
}

// The key flipped: a deadline of 1 s closes the same socket within a few seconds.
TEST(ConnectionsE2e, AShorterFirstByteDeadlineClosesTheSilentConnectionSooner) {
  ImsguardProcess edge;
  ASSERT_TRUE(edge.start(with_connections("{ first_byte_deadline_s: 1, message_deadline_s: 30 }"))) << edge.log();
  IdleSocket silent("127.0.0.1", edge.sip_port());
  ASSERT_TRUE(silent.connected());
  EXPECT_TRUE(silent.closed_within(4s)) << "first_byte_deadline_s had no effect";
}

// Keep-alive pings (RFC 5626 CRLF CRLF) before any message do not hold the slot: the first
// message must complete within message_deadline_s of the first byte.
TEST(ConnectionsE2e, PingsWithoutAMessageDoNotKeepAConnection) {
  ImsguardProcess edge;
  ASSERT_TRUE(edge.start(with_connections("{ message_deadline_s: 2, idle_timeout_s: 300 }"))) << edge.log();
  TcpPeer pinger;
  ASSERT_TRUE(pinger.connect(edge.sip_port()));
  bool closed = false;
  for (int i = 0; i < 8 && !closed; ++i) {
    pinger.send("\r\n\r\n");
    closed = pinger.closed_by_peer(1s);
  }
  EXPECT_TRUE(closed) << "a connection that only pings was kept";
}

TEST(ConnectionsE2e, ATlsHandshakeThatNeverStartsIsClosedAtItsDeadline) {
  ImsguardProcess edge;
  ASSERT_TRUE(edge.start(with_connections("{ tls_handshake_deadline_s: 1, first_byte_deadline_s: 60, message_deadline_s: 60 }",
                                          true)))
      << edge.log();
  IdleSocket silent("127.0.0.1", edge.tls_port());
  ASSERT_TRUE(silent.connected());
  EXPECT_TRUE(silent.closed_within(5s)) << "a connection that never shook hands outlived tls_handshake_deadline_s";
}

// The attack of F11 at a small scale: the table (max_total 60) is filled with silent
// connections from two addresses, each under the per-source limit. Newcomers are served
// (each one closing an old stranger), and the registered client's connection is kept.
TEST(ConnectionsE2e, AFullTableOfSilentStrangersStillAdmitsNewClientsAndKeepsRegisteredOnes) {
  ImsguardProcess edge;
  // The OPTIONS probes of the newcomers would look like a sweep to the scanner guard.
  // The whole test takes far less than the first-byte deadline (10 s): eviction, not the
  // deadline, is what makes room here.
  ImsguardOptions o = with_connections("{ max_total: 60, max_per_source: 100, message_deadline_s: 120, idle_timeout_s: 300 }");
  o.extra_yaml += "guards: { scanner: { enabled: false }, ratelimit: { enabled: false } }\n";
  ASSERT_TRUE(edge.start(o)) << edge.log();
  TcpPeer phone;
  ASSERT_TRUE(phone.connect(edge.sip_port()));
  ASSERT_EQ(register_tcp(phone, edge.demo("digest", "impi"), edge.demo("digest", "impu"), edge.demo("digest", "password")),
            200)
      << edge.log();
  std::vector<std::unique_ptr<IdleSocket>> silent;
  for (int i = 0; i < 59; ++i) {
    silent.push_back(std::make_unique<IdleSocket>(i % 2 ? "127.0.0.2" : "127.0.0.3", edge.sip_port()));
    ASSERT_TRUE(silent.back()->connected());
  }
  std::this_thread::sleep_for(300ms);  // all accepted: the table is full
  // More newcomers than there were silent sockets, each kept open after its answer: once the
  // silent ones are gone, the oldest newcomers make room in turn.
  std::vector<std::unique_ptr<TcpPeer>> newcomers;
  int served = 0;
  for (int i = 0; i < 80; ++i) {
    auto c = std::make_unique<TcpPeer>();
    if (c->connect(edge.sip_port()) && options_over(*c, "net-new-" + std::to_string(i)) == 200) ++served;
    newcomers.push_back(std::move(c));
  }
  EXPECT_EQ(served, 80) << "new clients were locked out by a full table of silent connections";
  EXPECT_EQ(options_over(phone, "net-phone"), 200) << "the registered client's connection was closed";
  size_t closed = 0;
  for (auto& s : silent) closed += s->closed_within(10ms);
  EXPECT_EQ(closed, silent.size()) << "the silent strangers go first";
}

}  // namespace
