// F9 (issue 17): the media service as a reflector. One registered subscriber sends INVITEs
// to the media service whose SDP names a third party (127.0.0.2, a UDP socket standing in
// for the victim). Before the defence every INVITE started a 64 kbit/s stream toward the
// victim and one subscriber held as many streams (and descriptors) as it asked for. Now
// the box streams only to the signalling flow's address and holds at most
// media.max_sessions_per_subscriber streams per subscriber, with one event per episode.
//
// The figures (bytes/s reaching the victim, streams held) are printed for
// docs/benchmarks.md; IMSGUARD_REFLECTOR_INVITES sets the number of INVITEs (default 40).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <memory>
#include <thread>

#include "client/transport.h"
#include "client/user_agent.h"
#include "imsguard_process.h"
#include "process.h"

namespace imsguard::media {
namespace {

// A UDP socket on `address` that counts what reaches it: the third party (127.0.0.2), or
// the attacker's own port (127.0.0.1) that keeps its streams alive.
class Sink {
 public:
  explicit Sink(const char* address, uint16_t port = 0) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    ::inet_pton(AF_INET, address, &a.sin_addr);
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    int big = 8 << 20;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
  }
  ~Sink() { ::close(fd_); }
  bool bound() const { return bound_; }
  uint16_t port() const { return port_; }
  void drain() {
    char buf[4096];
    while (::recv(fd_, buf, sizeof buf, 0) > 0) {
    }
  }
  // Reads what arrives until `end`: bytes, and the distinct source ports (streams).
  void read_until(std::chrono::steady_clock::time_point end) {
    char buf[4096];
    while (std::chrono::steady_clock::now() < end) {
      pollfd p{fd_, POLLIN, 0};
      ::poll(&p, 1, 20);
      sockaddr_in from{};
      socklen_t len = sizeof from;
      ssize_t n;
      while ((n = ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len)) > 0) {
        bytes_ += static_cast<uint64_t>(n);
        sources_.insert(ntohs(from.sin_port));
        len = sizeof from;
      }
    }
  }
  uint64_t bytes() const { return bytes_; }
  size_t streams() const { return sources_.size(); }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
  bool bound_ = false;
  uint64_t bytes_ = 0;
  std::set<uint16_t> sources_;
};

std::string offer_toward(uint16_t port) {
  return "v=0\r\no=- 1 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\nm=audio " + std::to_string(port) +
         " RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=recvonly\r\n";
}

class Reflector : public ::testing::Test {
 protected:
  void start(const std::string& media_yaml) {
    testkit::ImsguardOptions o;
    o.roles = "[edge, core, servicebox]";
    o.extra_yaml = "servicebox:\n  sip_listen: { address: 127.0.0.1, port: " + std::to_string(testkit::free_port()) +
                   " }\n  https_listen: { address: 127.0.0.1, port: " + std::to_string(testkit::free_port()) +
                   " }\n  services:\n    - { name: media, method: INVITE }\n"
                   "    - { name: messaging, method: MESSAGE }\n    - { name: content, method: GET }\n"
                   "media:\n  srtp_policy: optional\n" + media_yaml;
    ASSERT_TRUE(node_.start(o)) << node_.log();
  }
  void TearDown() override {
    EXPECT_EQ(node_.stop(), 0) << node_.log();
    std::filesystem::remove_all(node_.data_dir());
  }

  struct Result {
    int invites = 0, ok = 0, busy = 0, other = 0;
    double victim_bytes_per_s = 0, own_bytes_per_s = 0;
    size_t victim_streams = 0, own_streams = 0;  // streams seen arriving during 2 s
    std::string first_refusal;
  };

  // alice (registered over TLS) sends `n` INVITEs whose SDP names the victim (127.0.0.2,
  // port P); she keeps a socket of her own on 127.0.0.1 port P. Then both listen for 2 s.
  Result attack(int n) {
    Result r;
    std::unique_ptr<Sink> victim, own;
    for (int i = 0; i < 20 && !(own && own->bound()); ++i) {
      victim = std::make_unique<Sink>("127.0.0.2");
      own = std::make_unique<Sink>("127.0.0.1", victim->port());
    }
    EXPECT_TRUE(own && own->bound()) << "no port free on both addresses";
    if (!own || !own->bound()) return r;
    client::TransportOptions t;
    t.kind = client::TransportKind::kTls;
    t.server = {"127.0.0.1", node_.tls_port()};
    t.ca_file = node_.data_dir() + "/pki/ca.crt";
    auto opened = client::open_transport(t);
    EXPECT_TRUE(opened.ok()) << opened.message();
    if (!opened.ok()) return r;
    client::UserAgentOptions uo;
    uo.credentials.impi = "alice@ims.local";
    uo.credentials.realm = "ims.local";
    uo.credentials.password = node_.demo("digest", "password");
    uo.impu = "sip:alice@ims.local";
    client::UserAgent ua(**opened, uo);
    auto reg = ua.register_binding();
    EXPECT_TRUE(reg.ok()) << reg.error.message();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    for (int i = 0; i < n && std::chrono::steady_clock::now() < deadline; ++i) {
      auto out = ua.send_request("INVITE", "sip:media@services.ims.local", "application/sdp", offer_toward(victim->port()));
      ++r.invites;
      if (out.status == 200) ++r.ok;
      else if (out.status == 486 || out.status == 503) ++r.busy;
      else ++r.other;
      if (out.status != 200 && r.first_refusal.empty()) r.first_refusal = std::to_string(out.status) + " " + out.reason;
      if (i % 50 == 0) {  // keep the socket buffers from overflowing during a long run
        victim->drain();
        own->drain();
      }
    }
    victim->drain();
    own->drain();
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(2000);
    std::thread other([&] { own->read_until(end); });
    victim->read_until(end);
    other.join();
    r.victim_bytes_per_s = static_cast<double>(victim->bytes()) / 2.0;
    r.own_bytes_per_s = static_cast<double>(own->bytes()) / 2.0;
    r.victim_streams = victim->streams();
    r.own_streams = own->streams();
    std::printf("reflector: %d INVITEs from one subscriber: %d answered 200, %d refused (486/503), %d other; "
                "third party received %.0f bytes/s from %zu streams; the subscriber's own address %.0f bytes/s "
                "from %zu streams\n",
                r.invites, r.ok, r.busy, r.other, r.victim_bytes_per_s, r.victim_streams, r.own_bytes_per_s,
                r.own_streams);
    return r;
  }

  int invites() const {
    const char* env = std::getenv("IMSGUARD_REFLECTOR_INVITES");
    int n = env ? std::atoi(env) : 40;
    return n > 0 && n <= 2000 ? n : 40;
  }

  testkit::ImsguardProcess node_;
};

TEST_F(Reflector, NoStreamReachesAThirdPartyAndOneSubscriberHoldsAtMostItsCap) {
  start("");  // defaults: max_sessions_per_subscriber 4
  auto r = attack(invites());
  EXPECT_EQ(r.victim_bytes_per_s, 0) << "the media service streamed to the address the SDP named";
  EXPECT_EQ(r.victim_streams, 0u);
  EXPECT_LE(r.ok, 4) << "one subscriber held more streams than media.max_sessions_per_subscriber";
  EXPECT_LE(r.own_streams, 4u);
  EXPECT_GE(r.own_streams, 1u) << "the streams did not go to the signalling address";
  EXPECT_EQ(r.ok + r.busy, r.invites) << r.first_refusal;
  EXPECT_NE(r.first_refusal.find("486"), std::string::npos) << r.first_refusal;
  // One event for the episode, not one per refused INVITE.
  std::string events;
  EXPECT_TRUE(testkit::eventually(
      [&] {
        events = node_.events();
        return events.find("media session limit per subscriber reached") != std::string::npos;
      },
      std::chrono::seconds(5)));
  size_t count = 0;
  for (size_t pos = 0; (pos = events.find("media session limit per subscriber reached", pos)) != std::string::npos; ++pos)
    ++count;
  EXPECT_EQ(count, 1u) << events;
}

TEST_F(Reflector, TheCapIsTheConfiguredOne) {
  start("  max_sessions_per_subscriber: 2\n");
  auto r = attack(6);
  EXPECT_EQ(r.ok, 2);
  EXPECT_EQ(r.busy, 4) << r.first_refusal;
  EXPECT_EQ(r.victim_bytes_per_s, 0);
}

TEST_F(Reflector, TheTotalCapRefusesWith503) {
  start("  max_sessions: 3\n");
  auto r = attack(5);
  EXPECT_EQ(r.ok, 3);
  EXPECT_NE(r.first_refusal.find("503"), std::string::npos) << r.first_refusal;
}

}  // namespace
}  // namespace imsguard::media
