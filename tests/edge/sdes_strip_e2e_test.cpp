// SDES keys never cross a hop without TLS: an SDP with a=crypto sent by a client over UDP
// reaches the callee without its key lines (and with the rest of the SDP), counted and
// reported; the same SDP between two TLS flows keeps them.
#include "imsguard_process.h"
#include "process.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

const std::string kSdp =
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/SAVP 0\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n";

class SdesStripE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(edge_.start()) << edge_.log();
    dir_ = edge_.data_dir();
    ChildProcess add;
    ASSERT_TRUE(add.start({IMSGUARD_BIN, "subscriber", "add", "--data-dir", dir_, "--impi", "carol@ims.local", "--impu",
                           "sip:carol@ims.local", "--password", "carol-secret"},
                          dir_ + "/add.log"));
    ASSERT_EQ(add.wait(30s), 0) << read_file(dir_ + "/add.log");
  }

  std::vector<std::string> transport_args(const std::string& transport) const {
    uint16_t port = transport == "tls" ? edge_.tls_port() : edge_.sip_port();
    std::vector<std::string> a = {"--server", "127.0.0.1:" + std::to_string(port), "--transport", transport};
    if (transport == "tls") a.insert(a.end(), {"--ca", dir_ + "/pki/ca.crt"});
    return a;
  }

  // Carol listens over `to`, alice sends the SDP over `from`; returns what carol printed.
  std::string deliver(const std::string& from, const std::string& to) {
    ChildProcess carol;
    std::string carol_log = dir_ + "/carol-" + from + to + ".log";
    std::vector<std::string> c = {IMSGUARD_BIN, "client", "register"};
    auto t = transport_args(to);
    c.insert(c.end(), t.begin(), t.end());
    c.insert(c.end(), {"--impi", "carol@ims.local", "--impu", "sip:carol@ims.local", "--password", "carol-secret",
                       "--keep", "30"});
    EXPECT_TRUE(carol.start(c, carol_log));
    EXPECT_TRUE(eventually([&] { return read_file(carol_log).find("registered sip:carol") != std::string::npos; }, 30s))
        << read_file(carol_log);
    std::vector<std::string> a = {IMSGUARD_BIN, "client", "message"};
    auto ta = transport_args(from);
    a.insert(a.end(), ta.begin(), ta.end());
    a.insert(a.end(), {"--impi", edge_.demo("digest", "impi"), "--impu", edge_.demo("digest", "impu"), "--password",
                       edge_.demo("digest", "password"), "--to", "sip:carol@ims.local", "--content-type",
                       "application/sdp", "--text", kSdp});
    ChildProcess alice;
    std::string alice_log = dir_ + "/alice-" + from + to + ".log";
    EXPECT_TRUE(alice.start(a, alice_log));
    EXPECT_EQ(alice.wait(60s), 0) << read_file(alice_log);
    EXPECT_TRUE(eventually([&] { return read_file(carol_log).find("m=audio") != std::string::npos; }, 10s))
        << read_file(carol_log);
    carol.stop();
    return read_file(carol_log);
  }

  ImsguardProcess edge_;
  std::string dir_;
};

TEST_F(SdesStripE2e, KeysAreRemovedWhenAHopIsNotTls) {
  std::string seen = deliver("udp", "tls");
  EXPECT_NE(seen.find("m=audio 40000 RTP/SAVP 0"), std::string::npos) << seen;
  EXPECT_EQ(seen.find("a=crypto"), std::string::npos) << seen;
  EXPECT_EQ(seen.find("inline:"), std::string::npos) << seen;
  EXPECT_NE(edge_.events().find("SDES keys on a hop without TLS"), std::string::npos) << edge_.events();
}

TEST_F(SdesStripE2e, KeysStayBetweenTwoTlsFlows) {
  std::string seen = deliver("tls", "tls");
  EXPECT_NE(seen.find("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"), std::string::npos) << seen;
}

}  // namespace
