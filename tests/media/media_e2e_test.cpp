// End to end through `imsguard run` (edge + core + servicebox, stopped by PID) with the
// real `imsguard client call`: the service box streams the tone, SRTP when both ends
// choose it, and a raw capture on loopback shows whether the tone crossed in clear. Each test
// runs in a PrivateLoopback, so the capture counts this test's packets only.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <functional>

#include "imsguard_process.h"
#include "loopback_capture.h"
#include "media/rtp.h"
#include "private_loopback.h"
#include "process.h"

namespace imsguard::media {
namespace {

using testkit::ChildProcess;

struct ClientRun {
  int exit = -1;
  std::string out;
  uint64_t rtp_like = 0, tone = 0;
  size_t rtp_sources = 0;
  uint64_t capture_drops = 0;
  uint64_t receiver_reports = 0;
};

// `count` datagrams that the capture takes for PCMU RTP carrying the tone in clear (RTP v2,
// PT 0, the tone as payload) from one socket to 127.0.0.1:9 (discard): another session's
// plain call, as the capture would see it. The number sent.
int send_rtp_like(int count) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return 0;
  std::vector<uint8_t> packet(kRtpHeaderSize, 0);
  packet[0] = 0x80;  // v2, PT 0
  packet.insert(packet.end(), tone_frame().begin(), tone_frame().end());
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(9);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int sent = 0;
  for (int i = 0; i < count; ++i) {
    packet[3] = static_cast<uint8_t>(i);  // sequence number
    if (::sendto(fd, packet.data(), packet.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) ==
        static_cast<ssize_t>(packet.size()))
      ++sent;
  }
  ::close(fd);
  return sent;
}

class MediaCalls : public ::testing::Test {
 protected:
  void start(const std::string& policy, const std::string& more_yaml = {}) {
    std::string error;
    ASSERT_TRUE(net_.enter(error)) << error;
    testkit::ImsguardOptions o;
    o.roles = "[edge, core, servicebox]";
    o.extra_yaml = "servicebox:\n  sip_listen: { address: 127.0.0.1, port: " + std::to_string(testkit::free_port()) +
                   " }\n  https_listen: { address: 127.0.0.1, port: " + std::to_string(testkit::free_port()) +
                   " }\n  services:\n    - { name: media, method: INVITE }\n"
                   "    - { name: messaging, method: MESSAGE }\n    - { name: content, method: GET }\n"
                   "media:\n  srtp_policy: " + policy + "\n" + more_yaml;
    ASSERT_TRUE(node_.start(o)) << node_.log();
  }
  void TearDown() override {
    EXPECT_EQ(node_.stop(), 0) << node_.log();
    std::filesystem::remove_all(node_.data_dir());
  }

  // `during` runs while the client is in its call and the capture is on.
  ClientRun call(const std::string& transport, const std::vector<std::string>& extra,
                 const std::function<void()>& during = {}) {
    uint16_t port = transport == "tls" ? node_.tls_port() : node_.sip_port();
    std::vector<std::string> argv{IMSGUARD_BIN, "client", "call", "--server", "127.0.0.1:" + std::to_string(port),
                                  "--transport", transport, "--data-dir", node_.data_dir(), "--impi",
                                  "alice@ims.local", "--impu", "sip:alice@ims.local", "--password",
                                  node_.demo("digest", "password"), "--packets", "100", "-v"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    ClientRun r;
    testkit::RtpCapture capture;
    std::string error;
    EXPECT_TRUE(capture.start(error)) << error;
    ChildProcess c;
    std::string log = node_.data_dir() + "/call-" + std::to_string(++runs_) + ".log";
    if (!c.start(argv, log)) return r;
    if (during) during();
    r.exit = c.wait(std::chrono::seconds(60));
    capture.stop();
    r.out = c.log();
    r.rtp_like = capture.rtp_like();
    r.tone = capture.plaintext_tone();
    r.rtp_sources = capture.rtp_sources();
    r.capture_drops = capture.drops();
    r.receiver_reports = capture.receiver_reports();
    return r;
  }

  testkit::PrivateLoopback net_;  // first: left after the node is stopped
  testkit::ImsguardProcess node_;
  int runs_ = 0;
};

TEST_F(MediaCalls, SdesOverTlsIsEncryptedOnTheWire) {
  start("optional");
  auto r = call("tls", {"--srtp", "mandatory", "--keying", "sdes"});
  EXPECT_EQ(r.exit, 0) << r.out << node_.log();
  EXPECT_NE(r.out.find("media srtp-sdes"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("packets ok 100, auth failures 0, replays 0, payload mismatches 0"), std::string::npos) << r.out;
  EXPECT_GE(r.rtp_like, 100u) << "the capture saw no media at all";
  EXPECT_EQ(r.tone, 0u) << "the tone crossed loopback in clear";
  EXPECT_GE(r.receiver_reports, 1u) << "the client sent no SRTCP receiver report";
  EXPECT_TRUE(testkit::eventually(
      [&] { return node_.events().find("answer srtp-sdes") != std::string::npos; }, std::chrono::seconds(5)))
      << node_.events();
}

// Another session's plain RTP on the machine's loopback during an encrypted call is not
// counted: no tone in clear, one stream. The same datagrams sent on the test's own loopback
// are all counted, so the capture would have seen them had they been on its `lo`.
TEST_F(MediaCalls, CountsItsOwnTrafficNotOtherSessionsOnTheMachineLoopback) {
  start("optional");
  int foreign = 0;
  auto r = call("udp", {"--srtp", "mandatory", "--keying", "dtls"},
                [&] { EXPECT_TRUE(net_.on_host_loopback([&] { foreign = send_rtp_like(100); })); });
  EXPECT_EQ(foreign, 100);
  EXPECT_EQ(r.exit, 0) << r.out << node_.log();
  EXPECT_NE(r.out.find("packets ok 100, auth failures 0"), std::string::npos) << r.out;
  EXPECT_GE(r.rtp_like, 100u) << "the capture saw no media at all";
  EXPECT_EQ(r.tone, 0u) << "another session's plain RTP was counted";
  EXPECT_EQ(r.rtp_sources, 1u) << "another session's stream was counted";

  testkit::RtpCapture own;
  std::string error;
  ASSERT_TRUE(own.start(error)) << error;
  EXPECT_EQ(send_rtp_like(100), 100);
  own.stop();
  EXPECT_EQ(own.rtp_like(), 100u) << "capture drops " << own.drops();
  EXPECT_EQ(own.plaintext_tone(), 100u);
  EXPECT_EQ(own.rtp_like_from(9), 0u);
  EXPECT_EQ(own.rtp_like_to(9), 100u);
}

// The admin API's metrics, through `imsguard admin metrics`.
std::string metrics_of(const testkit::ImsguardProcess& node) {
  ChildProcess admin;
  std::string log = node.data_dir() + "/metrics.txt";
  if (!admin.start({IMSGUARD_BIN, "admin", "--config", node.config_path(), "metrics"}, log)) return {};
  admin.wait(std::chrono::seconds(10));
  return admin.log();
}

// The value of one series in Prometheus text, -1 when absent.
double series_value(const std::string& metrics, const std::string& series) {
  auto pos = metrics.find("\n" + series + " ");
  if (pos == std::string::npos) return -1;
  return std::stod(metrics.substr(pos + series.size() + 2));
}

TEST_F(MediaCalls, DtlsSrtpOverUdpIsEncryptedOnTheWire) {
  start("mandatory", "admin:\n  listen: { address: 127.0.0.1, port: " + std::to_string(testkit::free_port()) +
                         " }\n  token: \"media-e2e-admin-token-7c21\"\n");
  auto r = call("udp", {"--srtp", "mandatory", "--keying", "dtls"});
  EXPECT_EQ(r.exit, 0) << r.out << node_.log();
  EXPECT_NE(r.out.find("media srtp-dtls"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("packets ok 100, auth failures 0, replays 0"), std::string::npos) << r.out;
  // Two seconds of stream: the client's SRTCP receiver reports went back to the box.
  EXPECT_EQ(r.out.find("receiver reports sent 0;"), std::string::npos) << r.out;
  EXPECT_GE(r.receiver_reports, 1u);
  std::string metrics = metrics_of(node_);
  // ... and the box authenticated them.
  EXPECT_GE(series_value(metrics, "imsguard_media_rtcp_received_total{result=\"ok\"}"), 1) << metrics;
  EXPECT_LE(series_value(metrics, "imsguard_media_rtcp_received_total{result=\"rejected\"}"), 0) << metrics;
  EXPECT_GE(r.rtp_like, 100u);
  EXPECT_EQ(r.tone, 0u);
}

// BYE crosses the core to the box, which closes the stream before answering 200: the client
// keeps its port open half a second after the 200 and nothing more arrives. A re-INVITE in
// the middle gets the same session and no second stream appears on the wire.
TEST_F(MediaCalls, ReInviteKeepsTheStreamAndByeEndsIt) {
  start("optional");
  auto r = call("tls", {"--srtp", "mandatory", "--keying", "sdes", "--reinvite-after", "40", "--listen-after-bye", "0.5"});
  EXPECT_EQ(r.exit, 0) << r.out << node_.log();
  EXPECT_NE(r.out.find("packets ok 100, auth failures 0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("; re-INVITE 200 same session; BYE 200"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("after BYE"), std::string::npos) << r.out;
  EXPECT_EQ(r.rtp_sources, 1u) << "the re-INVITE started another stream";
  EXPECT_EQ(r.tone, 0u);
}

TEST_F(MediaCalls, PlainRtpShowsTheToneSoTheCaptureCheckCanFail) {
  start("optional");
  auto r = call("udp", {"--srtp", "off"});
  EXPECT_EQ(r.exit, 0) << r.out << node_.log();
  EXPECT_NE(r.out.find("media rtp"), std::string::npos) << r.out;
  EXPECT_GE(r.tone, 100u) << "plain RTP should show the tone to the capture; capture drops " << r.capture_drops;
}

TEST_F(MediaCalls, MandatoryServiceRefusesAPlainOfferWith488AndAuditsIt) {
  start("mandatory");
  auto r = call("udp", {"--srtp", "off"});
  EXPECT_NE(r.exit, 0) << r.out;
  EXPECT_NE(r.out.find("488"), std::string::npos) << r.out;
  EXPECT_EQ(r.rtp_like, 0u);
  EXPECT_TRUE(testkit::eventually(
      [&] { return node_.events().find("answer refused") != std::string::npos; }, std::chrono::seconds(5)))
      << node_.events();
}

TEST_F(MediaCalls, ServiceWithPolicyOffRefusesAMandatoryOffer) {
  start("off");
  auto r = call("udp", {"--srtp", "mandatory", "--keying", "dtls"});
  EXPECT_NE(r.exit, 0) << r.out;
  EXPECT_NE(r.out.find("488"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("policy is off"), std::string::npos) << r.out;
}

TEST_F(MediaCalls, ClientWillNotPutSdesKeysOnAPlainFlow) {
  start("optional");
  auto r = call("udp", {"--srtp", "mandatory", "--keying", "sdes"});
  EXPECT_EQ(r.exit, 2) << r.out;  // the options' fault (kInvalid), not the network's
  EXPECT_NE(r.out.find("SDES needs TLS signaling"), std::string::npos) << r.out;
  EXPECT_EQ(r.rtp_like, 0u);
}

// Keys forced onto a plain flow are removed by the core before the service box sees them:
// the RTP/SAVP offer is left without keying and refused, never keyed with exposed keys.
TEST_F(MediaCalls, SdesKeysFromAPlainFlowNeverReachTheServiceBox) {
  start("optional");
  auto r = call("udp", {"--srtp", "mandatory", "--keying", "sdes", "--allow-sdes-over-plain"});
  EXPECT_NE(r.exit, 0) << r.out;
  EXPECT_NE(r.out.find("488"), std::string::npos) << r.out;
  EXPECT_EQ(r.rtp_like, 0u);
  EXPECT_TRUE(testkit::eventually(
      [&] { return node_.events().find("a=crypto removed: SDES keys on a hop without TLS") != std::string::npos; },
      std::chrono::seconds(5)))
      << node_.events();
}

}  // namespace
}  // namespace imsguard::media
