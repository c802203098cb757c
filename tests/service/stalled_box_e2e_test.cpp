// A service box that accepts connections and never answers must not stall SIP for anyone
// else. `imsguard run` (edge + core, two SIP workers) routes alice's requests for a service
// to a TCP listener of this test that completes the TCP handshake (the kernel does) and
// then stays silent. While those exchanges wait for the box, carol's OPTIONS and a MESSAGE
// from carol to alice are answered and relayed; alice's service requests get their 503
// afterwards, once the core gives up on the box (servicebox client timeout, 3 s).
// With the exchange on the SIP worker (before the router's own threads) carol's requests
// waited behind it, and alice's 503s came first.
#include "imsguard_process.h"
#include "process.h"
#include "digest_phone.h"
#include "sip_socket.h"
#include "tcp_listener.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

// The next datagram that is a final response (status >= 200) or a request (status 0).
std::optional<std::string> next(UdpPeer& peer, bool want_response, std::chrono::milliseconds timeout = 5s) {
  for (auto got = peer.receive(timeout); got; got = peer.receive(timeout)) {
    int status = status_of(*got);
    if (want_response ? status >= 200 : status == 0) return got;
  }
  return std::nullopt;
}

// What one peer received, kept in order of arrival: a wait for a request does not throw
// away a response that came before it (and the other way round).
class Inbox {
 public:
  explicit Inbox(UdpPeer& peer) : peer_(peer) {}
  // The first final response (want_response) or request not yet taken, waiting up to `timeout`.
  std::optional<std::string> take(bool want_response, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      for (auto it = kept_.begin(); it != kept_.end(); ++it) {
        int status = status_of(*it);
        if (want_response ? status >= 200 : status == 0) {
          std::string out = *it;
          kept_.erase(it);
          return out;
        }
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      auto got = peer_.receive(std::max(left, std::chrono::milliseconds(0)));
      if (!got) return std::nullopt;
      kept_.push_back(*got);
    }
  }

 private:
  UdpPeer& peer_;
  std::vector<std::string> kept_;
};

class StalledServiceBox : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(box_.port(), 0);
    std::string dir = make_temp_dir("imsguard-stalled-box");
    for (const char* user : {"alice", "carol"}) {
      ChildProcess add;
      ASSERT_TRUE(add.start({IMSGUARD_BIN, "subscriber", "add", "--data-dir", dir, "--realm", "ims.local", "--impi",
                             std::string(user) + "@ims.local", "--impu", "sip:" + std::string(user) + "@ims.local",
                             "--password", std::string(user) + "-secret", "--service", "messaging"},
                            dir + "/add-" + user + ".log"));
      ASSERT_EQ(add.wait(30s), 0) << read_file(dir + "/add-" + user + ".log");
    }
    ImsguardOptions o;
    o.roles = "[edge, core]";  // no service box in this process: the silent listener stands in
    o.tls = false;
    o.digest_algorithms = "[MD5]";
    o.data_dir = dir;
    // Raw UDP phones that do not answer the edge's 407 (UdpRequestChallengeE2e shows that key).
    o.auth_yaml = "  challenge_udp_requests: false\n";
    o.extra_yaml = "servicebox:\n  sip_listen: { address: 127.0.0.1, port: " + std::to_string(box_.port()) +
                   " }\n  services:\n    - { name: messaging, method: MESSAGE }\n";
    ASSERT_TRUE(edge_.start(o)) << edge_.log();
    ASSERT_TRUE(register_user(alice_, "alice")) << edge_.log();
    ASSERT_TRUE(register_user(carol_, "carol")) << edge_.log();
  }
  void TearDown() override {
    EXPECT_EQ(edge_.stop(), 0) << edge_.log();
    std::filesystem::remove_all(edge_.data_dir());
  }

  bool register_user(UdpPeer& peer, const std::string& user) { return register_digest(peer, edge_.sip_port(), user); }

  static std::string message(const UdpPeer& from, const std::string& user, const std::string& to,
                             const std::string& call_id) {
    std::string port = std::to_string(from.local_port());
    return "MESSAGE " + to + " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + port + ";branch=z9hG4bK" + call_id +
           "\r\nMax-Forwards: 70\r\nFrom: <sip:" + user + "@ims.local>;tag=m" + port + "\r\nTo: <" + to +
           ">\r\nCall-ID: " + call_id + "\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";
  }

  // Listens, never accepts, never reads: connections complete in the kernel's backlog and a
  // TLS handshake sent to them waits for an answer that does not come.
  TcpListener box_{64};
  ImsguardProcess edge_;
  UdpPeer alice_, carol_;
};

TEST_F(StalledServiceBox, OtherUsersAreServedWhileServiceRequestsWaitForTheBox) {
  // Two requests for the service, as many as the edge has SIP workers (testkit's config):
  // each holds an exchange with the silent box, and would hold a worker if it ran there.
  for (const char* id : {"svc-1", "svc-2"})
    ASSERT_TRUE(alice_.send(message(alice_, "alice", "sip:messaging@services.ims.local", id), edge_.sip_port()));
  std::this_thread::sleep_for(200ms);  // both are with the core by now (not a correctness bound)
  Inbox alice(alice_);

  // carol: the edge answers her OPTIONS and relays her MESSAGE to alice...
  std::string options = "OPTIONS sip:ims.local SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" +
                        std::to_string(carol_.local_port()) +
                        ";branch=z9hG4bKopt1\r\nMax-Forwards: 70\r\nFrom: <sip:carol@ims.local>;tag=o1\r\n"
                        "To: <sip:ims.local>\r\nCall-ID: opt-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
  ASSERT_TRUE(carol_.send(options, edge_.sip_port()));
  auto pong = next(carol_, true, 20s);
  ASSERT_TRUE(pong) << edge_.log();
  EXPECT_EQ(status_of(*pong), 200) << *pong;
  ASSERT_TRUE(carol_.send(message(carol_, "carol", "sip:alice@ims.local", "c2a-1"), edge_.sip_port()));
  auto relayed = alice.take(false, 20s);
  ASSERT_TRUE(relayed) << edge_.log();
  EXPECT_EQ(header_of(*relayed, "Call-ID"), "c2a-1") << *relayed;

  // ...while alice's service requests are still unanswered: the box has said nothing yet.
  EXPECT_FALSE(alice.take(true, 0ms)) << "a service request was answered before carol's: the worker waited for it";

  // The box never answers: each request gets its 503 when the core gives up on the box.
  int unavailable = 0;
  for (int i = 0; i < 2; ++i) {
    auto answer = alice.take(true, 30s);
    ASSERT_TRUE(answer) << edge_.log();
    EXPECT_EQ(status_of(*answer), 503) << *answer;
    unavailable += status_of(*answer) == 503;
  }
  EXPECT_EQ(unavailable, 2);
  // A retransmission gets the answer kept in its server transaction, not a second exchange.
  ASSERT_TRUE(alice_.send(message(alice_, "alice", "sip:messaging@services.ims.local", "svc-1"), edge_.sip_port()));
  auto again = alice.take(true, 2s);
  ASSERT_TRUE(again) << edge_.log();
  EXPECT_EQ(status_of(*again), 503) << *again;
  EXPECT_EQ(header_of(*again, "Call-ID"), "svc-1");
}

}  // namespace
