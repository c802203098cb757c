// F12 (issue 17): SDES keys crossed the plaintext hop when the body was typed
// `Application/SDP` or was multipart. Alice sends SDP with a=crypto over TLS to carol, who
// is registered over UDP; an eavesdropper on loopback reads the UDP hop. With the defence
// the media type is compared as RFC 2045/7231 say and multipart/mixed|alternative|related
// parts are stripped: no key crosses UDP, and carol still gets the rest of the SDP. A
// multipart body that cannot be parsed is not forwarded at all.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "imsguard_process.h"
#include "loopback_capture.h"
#include "process.h"

namespace imsguard::media {
namespace {

using testkit::ChildProcess;
using namespace std::chrono_literals;

const std::string kKey = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
const std::string kSdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                         "m=audio 40000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + kKey + "\r\n";

std::string multipart(const std::string& boundary, const std::string& sdp_type) {
  return "--" + boundary + "\r\nContent-Type: text/plain\r\n\r\nsee the offer\r\n--" + boundary +
         "\r\nContent-Type: " + sdp_type + "\r\n\r\n" + kSdp + "\r\n--" + boundary + "--\r\n";
}

class SdesBodies : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(edge_.start()) << edge_.log();
    dir_ = edge_.data_dir();
    ChildProcess add;
    ASSERT_TRUE(add.start({IMSGUARD_BIN, "subscriber", "add", "--data-dir", dir_, "--impi", "carol@ims.local", "--impu",
                           "sip:carol@ims.local", "--password", "carol-secret"},
                          dir_ + "/add.log"));
    ASSERT_EQ(add.wait(30s), 0) << testkit::read_file(dir_ + "/add.log");
    // carol listens over UDP for every case of the test.
    carol_log_ = dir_ + "/carol.log";
    ASSERT_TRUE(carol_.start({IMSGUARD_BIN, "client", "register", "--server", "127.0.0.1:" + std::to_string(edge_.sip_port()),
                              "--transport", "udp", "--impi", "carol@ims.local", "--impu", "sip:carol@ims.local",
                              "--password", "carol-secret", "--keep", "120"},
                             carol_log_));
    ASSERT_TRUE(testkit::eventually(
        [&] { return testkit::read_file(carol_log_).find("registered sip:carol") != std::string::npos; }, 30s))
        << testkit::read_file(carol_log_);
  }
  void TearDown() override {
    carol_.stop();
    EXPECT_EQ(edge_.stop(), 0) << edge_.log();
    std::filesystem::remove_all(dir_);
  }

  // alice sends `body` typed `type` over TLS to carol; returns the exit status of alice.
  int send(const std::string& type, const std::string& body) {
    ChildProcess alice;
    std::string log = dir_ + "/alice-" + std::to_string(++runs_) + ".log";
    EXPECT_TRUE(alice.start({IMSGUARD_BIN, "client", "message", "--server", "127.0.0.1:" + std::to_string(edge_.tls_port()),
                             "--transport", "tls", "--ca", dir_ + "/pki/ca.crt", "--impi", edge_.demo("digest", "impi"),
                             "--impu", edge_.demo("digest", "impu"), "--password", edge_.demo("digest", "password"),
                             "--to", "sip:carol@ims.local", "--content-type", type, "--text", body},
                            log));
    int exit = alice.wait(60s);
    EXPECT_EQ(exit, 0) << testkit::read_file(log);
    return exit;
  }

  testkit::ImsguardProcess edge_;
  ChildProcess carol_;
  std::string dir_, carol_log_;
  int runs_ = 0;
};

TEST_F(SdesBodies, NoKeyCrossesTheUdpHopWhateverTheTypeSpelling) {
  testkit::MarkerSniffer sniffer(kKey);
  std::string error;
  ASSERT_TRUE(sniffer.start(error)) << error;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"Application/SDP", kSdp},
      {"application/sdp; charset=utf-8", kSdp},
      {"multipart/mixed; boundary=b1", multipart("b1", "application/sdp")},
      {"multipart/alternative;boundary=\"b2\"", multipart("b2", "Application/SDP")},
      {"Multipart/Related; type=\"application/sdp\"; boundary=b3", multipart("b3", "application/sdp")},
  };
  for (const auto& [type, body] : cases) send(type, body);
  // Every case reached carol (the marker is the last case's multipart preamble text and SDP).
  EXPECT_TRUE(testkit::eventually(
      [&] {
        std::string seen = testkit::read_file(carol_log_);
        size_t n = 0;
        for (size_t pos = 0; (pos = seen.find("m=audio 40000 RTP/SAVP 0", pos)) != std::string::npos; ++pos) ++n;
        return n >= cases.size();
      },
      10s))
      << testkit::read_file(carol_log_);
  sniffer.stop();
  auto hits = sniffer.hits();
  size_t udp_hits = 0;
  for (const auto& h : hits) udp_hits += h.rfind("udp ", 0) == 0 ? 1 : 0;
  EXPECT_EQ(udp_hits, 0u) << "the SRTP key crossed the UDP hop in clear:\n" << (hits.empty() ? "" : hits.front());
  std::string seen = testkit::read_file(carol_log_);
  EXPECT_EQ(seen.find(kKey), std::string::npos) << seen;
}

TEST_F(SdesBodies, AMultipartBodyThatDoesNotParseIsNotForwarded) {
  testkit::MarkerSniffer sniffer(kKey);
  std::string error;
  ASSERT_TRUE(sniffer.start(error)) << error;
  // The boundary parameter names another boundary than the body uses: a lenient phone might
  // still find the SDP part; the edge cannot, so the body does not go on.
  send("multipart/mixed; boundary=other", multipart("b1", "application/sdp"));
  send("multipart/mixed; boundary=b1", multipart("b1", "application/sdp").substr(0, 150));  // no close delimiter
  EXPECT_TRUE(testkit::eventually(
      [&] { return edge_.events().find("body removed: multipart body without its boundary") != std::string::npos; }, 10s))
      << edge_.events();
  sniffer.stop();
  size_t udp_hits = 0;
  for (const auto& h : sniffer.hits()) udp_hits += h.rfind("udp ", 0) == 0 ? 1 : 0;
  EXPECT_EQ(udp_hits, 0u);
  EXPECT_EQ(testkit::read_file(carol_log_).find(kKey), std::string::npos);
}

}  // namespace
}  // namespace imsguard::media
