// The media service's dialogs: one stream per Call-ID whatever the retransmissions and
// re-INVITEs, BYE and CANCEL only from the caller that placed the call, and no packet of a
// stream after the 200 to its BYE.
#include "service/media_service.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "sip_text.h"
#include "../support/test_telemetry.h"

namespace imsguard::service {
namespace {

constexpr std::string_view kAlice = "sip:alice@ims.local";
const std::string kRuri = "sip:media@services.ims.local";

// A UDP port on loopback standing in for the client's media port.
class UdpSink {
 public:
  UdpSink() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~UdpSink() { ::close(fd_); }
  uint16_t port() const { return port_; }
  // Datagrams that arrive within `wait_ms` (reading everything already queued first).
  int receive_for(int wait_ms) {
    int n = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
    char buf[2048];
    for (;;) {
      while (::recv(fd_, buf, sizeof buf, MSG_DONTWAIT) > 0) ++n;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return n;
      pollfd p{fd_, POLLIN, 0};
      ::poll(&p, 1, static_cast<int>(left.count()));
    }
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

std::string sdp_offer(uint16_t port) {
  return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
         "m=audio " + std::to_string(port) + " RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=recvonly\r\n";
}

// A request of dialog c1@test; `to_tag` empty for the initial INVITE.
std::unique_ptr<testing::Parsed> dialog_request(const std::string& method, const std::string& to_tag,
                                                const std::string& body = {}) {
  std::string text = testing::request(method, kRuri, {});
  if (!to_tag.empty()) {
    std::string to = "To: <" + kRuri + ">\r\n";
    text.replace(text.find(to), to.size(), "To: <" + kRuri + ">;tag=" + to_tag + "\r\n");
  }
  if (!body.empty()) {
    std::string cl = "Content-Length: 0\r\n\r\n";
    text.replace(text.find(cl), cl.size(),
                 "Content-Type: application/sdp\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  }
  auto p = testing::parse(text);
  EXPECT_TRUE(p->ok) << text;
  return p;
}

int status_of(const std::string& response) { return response.size() < 12 ? 0 : std::stoi(response.substr(8, 3)); }
std::string body_of(const std::string& response) {
  auto pos = response.find("\r\n\r\n");
  return pos == std::string::npos ? std::string() : response.substr(pos + 4);
}

struct MediaDialogs : ::testing::Test {
  MediaServiceOptions options = [] {
    MediaServiceOptions o;
    o.media.srtp_policy = config::SrtpPolicy::kOptional;
    o.max_packets = 1500;
    return o;
  }();
  test::Telemetry telemetry;
  MediaService service{options, telemetry.metrics, telemetry.events};
  UdpSink sink;

  void SetUp() override {
    Status started = service.start();
    ASSERT_TRUE(started.ok()) << started.message();
  }
  std::string invite(const std::string& to_tag, std::string_view identity = kAlice) {
    auto req = dialog_request("INVITE", to_tag, sdp_offer(sink.port()));
    return service.handle_invite(req->msg, "sb", "<sip:media@services.ims.local>", identity, "test", "127.0.0.1");
  }
};

TEST_F(MediaDialogs, ReInviteAndRetransmissionKeepTheOneStream) {
  std::string first = invite("");
  ASSERT_EQ(status_of(first), 200) << first;
  EXPECT_EQ(service.active_streams(), 1u);
  std::string retransmitted = invite("");
  std::string reinvite = invite("sb");
  EXPECT_EQ(status_of(retransmitted), 200);
  EXPECT_EQ(status_of(reinvite), 200) << reinvite;
  EXPECT_EQ(body_of(reinvite), body_of(first)) << "a re-INVITE got another session";
  EXPECT_EQ(service.active_streams(), 1u) << "a second stream was started";
  EXPECT_GT(sink.receive_for(200), 0) << "the stream does not flow";
}

TEST_F(MediaDialogs, ReInviteOfAnUnknownDialogIs481) {
  EXPECT_EQ(status_of(invite("sb")), 481);
  EXPECT_EQ(service.active_streams(), 0u);
}

TEST_F(MediaDialogs, ByeStopsTheStreamBeforeItsAnswer) {
  ASSERT_EQ(status_of(invite("")), 200);
  ASSERT_GT(sink.receive_for(100), 0);
  auto bye = dialog_request("BYE", "sb");
  EXPECT_EQ(status_of(service.handle_bye(bye->msg, "sb", kAlice)), 200);
  EXPECT_EQ(service.active_streams(), 0u);
  sink.receive_for(0);  // what was sent before the 200
  EXPECT_EQ(sink.receive_for(300), 0) << "packets after the 200 to BYE";
  EXPECT_EQ(status_of(service.handle_bye(bye->msg, "sb", kAlice)), 481) << "the dialog outlived its BYE";
}

TEST_F(MediaDialogs, ByeOrCancelFromAnotherCallerIs481AndTheStreamGoesOn) {
  ASSERT_EQ(status_of(invite("")), 200);
  auto bye = dialog_request("BYE", "sb");
  EXPECT_EQ(status_of(service.handle_bye(bye->msg, "sb", "sip:mallory@ims.local")), 481);
  auto cancel = dialog_request("CANCEL", "");
  EXPECT_EQ(status_of(service.handle_cancel(cancel->msg, "sb", "sip:mallory@ims.local")), 481);
  EXPECT_EQ(service.active_streams(), 1u);
  // A re-INVITE from someone else must not reach the caller's session either.
  EXPECT_EQ(status_of(invite("sb", "sip:mallory@ims.local")), 481);
}

TEST_F(MediaDialogs, CancelAfterTheAnswerHasNoEffect) {
  ASSERT_EQ(status_of(invite("")), 200);
  auto cancel = dialog_request("CANCEL", "");
  EXPECT_EQ(status_of(service.handle_cancel(cancel->msg, "sb", kAlice)), 200);
  EXPECT_EQ(service.active_streams(), 1u);
}

TEST_F(MediaDialogs, ByeAfterTheStreamEndedStillCloses) {
  options.max_packets = 3;
  MediaService short_service{options, telemetry.metrics, telemetry.events};
  Status started = short_service.start();
  ASSERT_TRUE(started.ok()) << started.message();
  auto req = dialog_request("INVITE", "", sdp_offer(sink.port()));
  ASSERT_EQ(status_of(short_service.handle_invite(req->msg, "sb", "<sip:media@services.ims.local>", kAlice, "t", "127.0.0.1")), 200);
  for (int i = 0; i < 100 && short_service.active_streams() != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(short_service.active_streams(), 0u);
  auto bye = dialog_request("BYE", "sb");
  EXPECT_EQ(status_of(short_service.handle_bye(bye->msg, "sb", kAlice)), 200);
}

// F9: one subscriber cannot hold more than its cap of streams (486, counted, one event per
// episode), the box no more than its total (503); a stream goes to the signalling address,
// never to another address the SDP names.
struct MediaCaps : ::testing::Test {
  MediaServiceOptions options = [] {
    MediaServiceOptions o;
    o.media.max_sessions_per_subscriber = 2;
    o.media.max_sessions = 3;
    return o;
  }();
  test::Telemetry telemetry;
  UdpSink sink;

  std::string invite(MediaService& service, int n, std::string_view identity, const std::string& sdp_address = "127.0.0.1",
                     std::string_view signalling = "127.0.0.1") {
    std::string offer = sdp_offer(sink.port());
    offer.replace(offer.find("c=IN IP4 127.0.0.1"), 18, "c=IN IP4 " + sdp_address);
    std::string text = testing::request("INVITE", kRuri, {});
    text.replace(text.find("c1@test"), 7, "cap" + std::to_string(n) + "@test");
    std::string cl = "Content-Length: 0\r\n\r\n";
    text.replace(text.find(cl), cl.size(),
                 "Content-Type: application/sdp\r\nContent-Length: " + std::to_string(offer.size()) + "\r\n\r\n" + offer);
    keep_.push_back(testing::parse(text));
    return service.handle_invite(keep_.back()->msg, "sb", "<sip:media@services.ims.local>", identity, "test", signalling);
  }
  std::vector<std::unique_ptr<testing::Parsed>> keep_;
};

// A suite name the box does not know is the configuration's fault: kInvalid, named.
TEST_F(MediaCaps, AnUnknownCryptoSuiteIsInvalid) {
  options.media.crypto_suites = {"AES_CM_128_HMAC_SHA1_80", "ROT13_80"};
  MediaService service{options, telemetry.metrics, telemetry.events};
  Status started = service.start();
  EXPECT_EQ(started.code(), Code::kInvalid);
  EXPECT_NE(started.message().find("media.crypto_suites: 'ROT13_80'"), std::string::npos) << started.message();
}

TEST_F(MediaCaps, PerSubscriberAndTotalCapsRefuseAndFreeUpOnBye) {
  MediaService service{options, telemetry.metrics, telemetry.events};
  Status started = service.start();
  ASSERT_TRUE(started.ok()) << started.message();
  EXPECT_EQ(status_of(invite(service, 1, kAlice)), 200);
  EXPECT_EQ(status_of(invite(service, 2, kAlice)), 200);
  std::string third = invite(service, 3, kAlice);
  EXPECT_EQ(status_of(third), 486) << third;
  EXPECT_NE(third.find("limit per subscriber"), std::string::npos) << third;
  EXPECT_EQ(status_of(invite(service, 4, "sip:bob@ims.local")), 200);  // bob has his own cap
  std::string total = invite(service, 5, "sip:carol@ims.local");
  EXPECT_EQ(status_of(total), 503) << total;
  EXPECT_NE(total.find("Retry-After: 30"), std::string::npos) << total;
  EXPECT_EQ(service.active_streams(), 3u);
  EXPECT_EQ(telemetry.value("imsguard_media_sessions_refused_total{cap=\"subscriber\"}"), 1u);
  EXPECT_EQ(telemetry.value("imsguard_media_sessions_refused_total{cap=\"total\"}"), 1u);
  // alice hangs up one call: she may place another.
  std::string bye_text = testing::request("BYE", kRuri, {});
  bye_text.replace(bye_text.find("c1@test"), 7, "cap1@test");
  auto bye = testing::parse(bye_text);
  EXPECT_EQ(status_of(service.handle_bye(bye->msg, "sb", kAlice)), 200);
  EXPECT_EQ(status_of(invite(service, 6, kAlice)), 200);
  EXPECT_EQ(service.active_streams(), 3u);
}

TEST_F(MediaCaps, TheStreamGoesToTheSignallingAddressNotTheOneInTheSdp) {
  MediaService service{options, telemetry.metrics, telemetry.events};
  Status started = service.start();
  ASSERT_TRUE(started.ok()) << started.message();
  // The SDP names 127.0.0.2 (a victim); the signalling flow was 127.0.0.1, where the sink is.
  ASSERT_EQ(status_of(invite(service, 1, kAlice, "127.0.0.2")), 200);
  EXPECT_GT(sink.receive_for(200), 0) << "the stream did not go to the signalling address";
  // Without a signed signalling address there is no stream at all.
  std::string unsigned_invite = invite(service, 2, kAlice, "127.0.0.1", "");
  EXPECT_EQ(status_of(unsigned_invite), 403) << unsigned_invite;
}

}  // namespace
}  // namespace imsguard::service
