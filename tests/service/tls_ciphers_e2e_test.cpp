// F17 (issue 17): the HTTPS content server accepted CBC suites (LUCKY13) although the docs
// promise AEAD only. `openssl s_client -cipher` against a running `imsguard run`: every CBC
// suite is refused on the content server and on the edge's SIP TLS listener; ECDHE with
// AES-GCM or ChaCha20-Poly1305 (TLS 1.2) and TLS 1.3 are accepted.
#include <gtest/gtest.h>

#include <filesystem>

#include "imsguard_process.h"
#include "process.h"

namespace imsguard::service {
namespace {

using testkit::ChildProcess;

// TLS 1.2 CBC suites an old or hostile client would offer (RSA and ECDHE key exchange).
constexpr const char* kCbc =
    "AES128-SHA:AES256-SHA:AES128-SHA256:AES256-SHA256:ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:"
    "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:"
    "ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES256-SHA384";
constexpr const char* kAead = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305";

class TlsCiphers : public ::testing::Test {
 protected:
  void SetUp() override {
    https_port_ = testkit::free_port();
    testkit::ImsguardOptions o;
    o.roles = "[edge, core, servicebox]";
    o.extra_yaml = "servicebox:\n  sip_listen: { address: 127.0.0.1, port: " + std::to_string(testkit::free_port()) +
                   " }\n  https_listen: { address: 127.0.0.1, port: " + std::to_string(https_port_) +
                   " }\n  services:\n    - { name: media, method: INVITE }\n"
                   "    - { name: messaging, method: MESSAGE }\n    - { name: content, method: GET }\n";
    ASSERT_TRUE(node_.start(o)) << node_.log();
  }
  void TearDown() override {
    EXPECT_EQ(node_.stop(), 0) << node_.log();
    std::filesystem::remove_all(node_.data_dir());
  }

  // `openssl s_client` with the given version flag and cipher options; the exit status
  // (0: handshake done) and its output.
  int s_client(uint16_t port, const std::vector<std::string>& opts, std::string& out) {
    std::vector<std::string> argv{"/usr/bin/openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port),
                                  "-CAfile", node_.data_dir() + "/pki/ca.crt", "-verify_return_error", "-brief"};
    argv.insert(argv.end(), opts.begin(), opts.end());
    ChildProcess c;
    std::string log = node_.data_dir() + "/s_client-" + std::to_string(++runs_) + ".log";
    // stdin is /dev/null for a child: s_client sends nothing and exits after the handshake.
    if (!c.start(argv, log)) return -1;
    int exit = c.wait(std::chrono::seconds(20));
    out = c.log();
    return exit;
  }

  void expect_aead_only(uint16_t port, const std::string& what) {
    std::string out;
    EXPECT_NE(s_client(port, {"-tls1_2", "-cipher", kCbc}, out), 0) << what << " accepted a CBC suite:\n" << out;
    EXPECT_EQ(out.find("CBC"), std::string::npos);
    EXPECT_EQ(s_client(port, {"-tls1_2", "-cipher", kAead}, out), 0) << what << " refused TLS 1.2 AEAD:\n" << out;
    EXPECT_NE(out.find("GCM"), std::string::npos) << out;
    EXPECT_EQ(s_client(port, {"-tls1_3"}, out), 0) << what << " refused TLS 1.3:\n" << out;
    EXPECT_NE(out.find("TLSv1.3"), std::string::npos) << out;
  }

  testkit::ImsguardProcess node_;
  uint16_t https_port_ = 0;
  int runs_ = 0;
};

TEST_F(TlsCiphers, ContentServerRefusesCbcAndAcceptsAead) { expect_aead_only(https_port_, "content server"); }

TEST_F(TlsCiphers, EdgeSipTlsRefusesCbcAndAcceptsAead) { expect_aead_only(node_.tls_port(), "SIP TLS listener"); }

}  // namespace
}  // namespace imsguard::service
