// F18 (issue 17): a content token is a bearer credential. The attack: a subscriber asks for
// a token over plain UDP or TCP signalling, an eavesdropper on loopback reads it from the
// 200 and fetches the content with it. With the defence the core answers 403 on a plain
// flow, no token crosses the wire in clear, and the same request over TLS still gets one.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "../media/loopback_sniffer.h"
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

  // alice asks for a token over `transport` while the eavesdropper listens; returns what the
  // eavesdropper could fetch with the first token it read ("" when it read none).
  void attack(const std::string& transport) {
    testing::LoopbackSniffer sniffer("Content-Token:");
    std::string error;
    ASSERT_TRUE(sniffer.start(error)) << error;
    uint16_t port = transport == "tls" ? node_.tls_port() : node_.sip_port();
    int exit = -1;
    std::string out = run({"client", "invoke", "--service", "content", "--server", "127.0.0.1:" + std::to_string(port),
                           "--transport", transport, "--data-dir", node_.data_dir(), "--impi", "alice@ims.local",
                           "--impu", "sip:alice@ims.local", "--password", node_.demo("digest", "password")},
                          &exit);
    sniffer.stop();
    client_out_ = out;
    client_exit_ = exit;
    sniffed_token_.clear();
    static const std::regex kToken("Content-Token: ([A-Za-z0-9_.-]+)");
    for (const auto& hit : sniffer.hits()) {
      std::smatch m;
      if (std::regex_search(hit, m, kToken)) {
        sniffed_token_ = m[1];
        break;
      }
    }
  }

  testkit::ImsguardProcess node_;
  uint16_t https_port_ = 0;
  int runs_ = 0;
  std::string client_out_, sniffed_token_;
  int client_exit_ = -1;
};

TEST_F(TokenOverPlainFlow, UdpAndTcpGet403AndNoTokenCrossesTheWire) {
  for (const std::string transport : {"udp", "tcp"}) {
    attack(transport);
    EXPECT_EQ(client_exit_, 1) << transport << "\n" << client_out_;
    EXPECT_NE(client_out_.find("403 Forbidden (content tokens are only issued over TLS)"), std::string::npos)
        << transport << "\n" << client_out_;
    EXPECT_EQ(client_out_.find("Content-Token:"), std::string::npos) << client_out_;
    EXPECT_TRUE(sniffed_token_.empty()) << transport << ": the eavesdropper read a token";
    if (!sniffed_token_.empty()) {
      // What the attack did before the defence: the sniffed token fetched the content.
      int exit = -1;
      std::string fetched = run({"client", "fetch", "--url", content_url(), "--token", sniffed_token_, "--data-dir",
                                 node_.data_dir()},
                                &exit);
      EXPECT_NE(exit, 0) << "the eavesdropper fetched the content: " << fetched;
    }
  }
  EXPECT_TRUE(testkit::eventually(
      [&] { return node_.events().find("bearer tokens are only issued over TLS") != std::string::npos; },
      std::chrono::seconds(5)))
      << node_.events();
}

TEST_F(TokenOverPlainFlow, TlsStillGetsATokenThatTheSnifferCannotRead) {
  attack("tls");
  EXPECT_EQ(client_exit_, 0) << client_out_ << node_.log();
  EXPECT_NE(client_out_.find("Content-Token: "), std::string::npos) << client_out_;
  EXPECT_TRUE(sniffed_token_.empty());
}

}  // namespace
}  // namespace imsguard::service
