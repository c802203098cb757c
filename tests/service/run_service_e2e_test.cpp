// End to end through `imsguard run` (edge + core + servicebox in one process, stopped by
// PID) with the real `imsguard client`: the core's profile check, token issue and the
// signed relay to the service box over pinned mutual TLS.
#include <gtest/gtest.h>

#include <filesystem>

#include "imsguard_process.h"
#include "process.h"

namespace imsguard::service {
namespace {

using testkit::ChildProcess;

struct ClientRun {
  int exit = -1;
  std::string out;
};

class RunWithServices : public ::testing::Test {
 protected:
  void SetUp() override {
    testkit::ImsguardOptions o;
    o.roles = "[edge, core, servicebox]";
    o.extra_yaml = "servicebox:\n  sip_listen: { address: 127.0.0.1, port: " + std::to_string(testkit::free_port()) +
                   " }\n  https_listen: { address: 127.0.0.1, port: " + std::to_string(testkit::free_port()) +
                   " }\n  services:\n    - { name: media, method: INVITE }\n"
                   "    - { name: messaging, method: MESSAGE }\n    - { name: content, method: GET }\n";
    ASSERT_TRUE(node_.start(o)) << node_.log();
  }
  void TearDown() override {
    EXPECT_EQ(node_.stop(), 0) << node_.log();
    std::filesystem::remove_all(node_.data_dir());
  }

  ClientRun message(const std::vector<std::string>& credentials, const std::string& to) {
    std::vector<std::string> argv{IMSGUARD_BIN, "client", "message", "--server",
                                  "127.0.0.1:" + std::to_string(node_.tls_port()), "--transport", "tls",
                                  "--data-dir", node_.data_dir(), "--to", to, "--text", "hello"};
    argv.insert(argv.end(), credentials.begin(), credentials.end());
    ChildProcess c;
    std::string log = node_.data_dir() + "/client-" + std::to_string(++runs_) + ".log";
    ClientRun r;
    if (!c.start(argv, log)) return r;
    r.exit = c.wait(std::chrono::seconds(30));
    r.out = c.log();
    return r;
  }
  std::vector<std::string> alice() {
    return {"--impi", "alice@ims.local", "--impu", "sip:alice@ims.local", "--password", node_.demo("digest", "password")};
  }
  std::vector<std::string> bob() {
    return {"--impi", "bob@ims.local", "--impu", "sip:bob@ims.local", "--k", node_.demo("aka", "k"),
            "--opc", node_.demo("aka", "opc")};
  }

  testkit::ImsguardProcess node_;
  int runs_ = 0;
};

TEST_F(RunWithServices, PermittedSubscriberReachesServicesAndGetsAToken) {
  auto messaging = message(alice(), "sip:messaging@services.ims.local");
  EXPECT_NE(messaging.out.find("MESSAGE sip:messaging@services.ims.local: 200 OK"), std::string::npos)
      << messaging.out << node_.log();
  auto token = message(alice(), "sip:content@services.ims.local");
  EXPECT_NE(token.out.find("MESSAGE sip:content@services.ims.local: 200 OK"), std::string::npos) << token.out;
  EXPECT_EQ(node_.events().find("service not in subscriber profile"), std::string::npos);
}

TEST_F(RunWithServices, SubscriberWithoutTheServiceGets403AndAnEvent) {
  auto r = message(bob(), "sip:content@services.ims.local");  // bob: messaging, media only
  EXPECT_NE(r.out.find("403 Forbidden"), std::string::npos) << r.out;
  EXPECT_NE(r.exit, 0);
  EXPECT_TRUE(testkit::eventually(
      [&] { return node_.events().find("service not in subscriber profile (content)") != std::string::npos; },
      std::chrono::seconds(5)))
      << node_.events();
  auto wrong_method = message(alice(), "sip:media@services.ims.local");  // media answers INVITE
  EXPECT_NE(wrong_method.out.find("405"), std::string::npos) << wrong_method.out;
}

}  // namespace
}  // namespace imsguard::service
