// F18 (issue 17): a content token is a bearer credential. The attack: a subscriber asks for
// a token over plain UDP or TCP signalling, an eavesdropper on loopback reads it from the
// 200 and fetches the content with it. With the defence the core answers 403 on a plain
// flow, no token crosses the wire in clear, and the same request over TLS still gets one.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <thread>

#include "loopback_capture.h"
#include "imsguard_process.h"
#include "process.h"

namespace imsguard::service {
namespace {

using testkit::ChildProcess;

class TokenOverPlainFlow : public ::testing::Test {
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

  std::string run(std::vector<std::string> args, int* exit) {
    args.insert(args.begin(), IMSGUARD_BIN);
    ChildProcess c;
    std::string log = node_.data_dir() + "/client-" + std::to_string(++runs_) + ".log";
    if (!c.start(args, log)) return {};
    *exit = c.wait(std::chrono::seconds(30));
    return c.log();
  }
  std::string content_url() { return "https://127.0.0.1:" + std::to_string(https_port_) + "/content/content"; }

  // alice asks for a token over `transport` and stays registered (so a token stays good)
  // while the eavesdropper reads the wire and, if it read a token, fetches with it.
  void attack(const std::string& transport) {
    testkit::MarkerSniffer sniffer("Content-Token:");
    std::string error;
    ASSERT_TRUE(sniffer.start(error)) << error;
    uint16_t port = transport == "tls" ? node_.tls_port() : node_.sip_port();
    ChildProcess alice;
    std::string log = node_.data_dir() + "/alice-" + std::to_string(++runs_) + ".log";
    ASSERT_TRUE(alice.start({IMSGUARD_BIN, "client", "invoke", "--service", "content", "--keep", "20", "--server",
                             "127.0.0.1:" + std::to_string(port), "--transport", transport, "--data-dir",
                             node_.data_dir(), "--impi", "alice@ims.local", "--impu", "sip:alice@ims.local",
                             "--password", node_.demo("digest", "password")},
                            log));
    EXPECT_TRUE(testkit::eventually(
        [&] { return alice.log().find("MESSAGE sip:content@services.ims.local: ") != std::string::npos; },
        std::chrono::seconds(20)))
        << alice.log();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the capture thread catches up
    sniffer.stop();
    sniffed_token_.clear();
    static const std::regex kToken("Content-Token: ([A-Za-z0-9_.-]+)");
    for (const auto& hit : sniffer.hits()) {
      std::smatch m;
      if (std::regex_search(hit, m, kToken)) {
        sniffed_token_ = m[1];
        break;
      }
    }
    fetched_ = -1;
    if (!sniffed_token_.empty())  // what the eavesdropper does with it, alice still registered
      run({"client", "fetch", "--url", content_url(), "--token", sniffed_token_, "--data-dir", node_.data_dir()},
          &fetched_);
    client_out_ = alice.log();
    alice.stop();
  }

  testkit::ImsguardProcess node_;
  uint16_t https_port_ = 0;
  int runs_ = 0;
  std::string client_out_, sniffed_token_;
  int fetched_ = -1;  // exit status of the eavesdropper's fetch (0: it got the content)
};

TEST_F(TokenOverPlainFlow, UdpAndTcpGet403AndNoTokenCrossesTheWire) {
  for (const std::string transport : {"udp", "tcp"}) {
    attack(transport);
    EXPECT_NE(client_out_.find("403 Forbidden (content tokens are only issued over TLS)"), std::string::npos)
        << transport << "\n" << client_out_;
    EXPECT_EQ(client_out_.find("Content-Token:"), std::string::npos) << client_out_;
    EXPECT_TRUE(sniffed_token_.empty()) << transport << ": the eavesdropper read a token";
    EXPECT_NE(fetched_, 0) << transport << ": the eavesdropper fetched the content with the sniffed token";
  }
  EXPECT_TRUE(testkit::eventually(
      [&] { return node_.events().find("bearer tokens are only issued over TLS") != std::string::npos; },
      std::chrono::seconds(5)))
      << node_.events();
}

TEST_F(TokenOverPlainFlow, TlsStillGetsATokenThatTheSnifferCannotRead) {
  attack("tls");
  EXPECT_NE(client_out_.find("Content-Token: "), std::string::npos) << client_out_ << node_.log();
  EXPECT_TRUE(sniffed_token_.empty());
}

}  // namespace
}  // namespace imsguard::service
