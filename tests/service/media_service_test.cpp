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
  MediaService service{options};
  UdpSink sink;

  void SetUp() override { ASSERT_EQ(service.start(), ""); }
  std::string invite(const std::string& to_tag, std::string_view identity = kAlice) {
    auto req = dialog_request("INVITE", to_tag, sdp_offer(sink.port()));
    return service.handle_invite(req->msg, "sb", "<sip:media@services.ims.local>", identity, "test");
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
  MediaService short_service{options};
  ASSERT_EQ(short_service.start(), "");
  auto req = dialog_request("INVITE", "", sdp_offer(sink.port()));
  ASSERT_EQ(status_of(short_service.handle_invite(req->msg, "sb", "<sip:media@services.ims.local>", kAlice, "t")), 200);
  for (int i = 0; i < 100 && short_service.active_streams() != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(short_service.active_streams(), 0u);
  auto bye = dialog_request("BYE", "sb");
  EXPECT_EQ(status_of(short_service.handle_bye(bye->msg, "sb", kAlice)), 200);
}

}  // namespace
}  // namespace imsguard::service
