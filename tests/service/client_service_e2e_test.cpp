// End to end: `imsguard client invoke` / `imsguard client fetch` against a real
// `imsguard run` (edge + core + servicebox, stopped by PID). A permitted subscriber gets a
// content token over its TLS signaling flow and fetches content with it; a subscriber
// without the service gets 403; a forged token 401; a barred subscriber loses access while
// its token is still unexpired; a service asserting an identity it may not is refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <thread>

#include "imsguard_process.h"
#include "../support/test_telemetry.h"
#include "process.h"
#include "store/state.h"

namespace imsguard::service {
namespace {

using testkit::ChildProcess;

struct ClientRun {
  int exit = -1;
  std::string out;
};

std::string services_yaml(uint16_t sip, uint16_t https, const std::string& messaging_extra) {
  return "servicebox:\n  sip_listen: { address: 127.0.0.1, port: " + std::to_string(sip) +
         " }\n  https_listen: { address: 127.0.0.1, port: " + std::to_string(https) +
         " }\n  services:\n    - { name: media, method: INVITE }\n"
         "    - { name: messaging, method: MESSAGE" + messaging_extra + " }\n    - { name: content, method: GET }\n";
}

class ClientServices : public ::testing::Test {
 protected:
  void start(const std::string& messaging_extra = "") {
    https_port_ = testkit::free_port();
    testkit::ImsguardOptions o;
    o.roles = "[edge, core, servicebox]";
    o.extra_yaml = services_yaml(testkit::free_port(), https_port_, messaging_extra);
    ASSERT_TRUE(node_.start(o)) << node_.log();
  }
  void TearDown() override {
    EXPECT_EQ(node_.stop(), 0) << node_.log();
    std::filesystem::remove_all(node_.data_dir());
  }

  std::vector<std::string> edge() {
    return {"--server", "127.0.0.1:" + std::to_string(node_.tls_port()), "--transport", "tls", "--data-dir",
            node_.data_dir()};
  }
  std::vector<std::string> alice() {
    return {"--impi", "alice@ims.local", "--impu", "sip:alice@ims.local", "--password", node_.demo("digest", "password")};
  }
  std::vector<std::string> bob() {
    return {"--impi", "bob@ims.local", "--impu", "sip:bob@ims.local", "--k", node_.demo("aka", "k"),
            "--opc", node_.demo("aka", "opc")};
  }
  std::string content_url() { return "https://127.0.0.1:" + std::to_string(https_port_) + "/content/content"; }

  std::vector<std::string> argv(std::vector<std::string> head, const std::vector<std::string>& a,
                                const std::vector<std::string>& b = {}) {
    head.insert(head.begin(), IMSGUARD_BIN);
    head.insert(head.end(), a.begin(), a.end());
    head.insert(head.end(), b.begin(), b.end());
    return head;
  }
  ClientRun run(const std::vector<std::string>& args) {
    ChildProcess c;
    ClientRun r;
    if (!c.start(args, node_.data_dir() + "/client-" + std::to_string(++runs_) + ".log")) return r;
    r.exit = c.wait(std::chrono::seconds(30));
    r.out = c.log();
    return r;
  }
  ClientRun fetch_with(const std::string& token) {
    return run(argv({"client", "fetch", "--url", content_url(), "--token", token, "--data-dir", node_.data_dir()}, {}));
  }

  testkit::ImsguardProcess node_;
  uint16_t https_port_ = 0;
  int runs_ = 0;
};

TEST_F(ClientServices, PermittedSubscriberInvokesAndFetchesContent) {
  start();
  auto r = run(argv({"client", "fetch", "--invoke", "--url", content_url()}, edge(), alice()));
  EXPECT_EQ(r.exit, 0) << r.out << node_.log();
  EXPECT_NE(r.out.find("MESSAGE sip:content@services.ims.local: 200 OK"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Content-Token: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("GET " + content_url() + ": 200"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("content of service content for sip:alice@ims.local"), std::string::npos) << r.out;

  auto messaging = run(argv({"client", "invoke", "--service", "messaging"}, edge(), alice()));
  EXPECT_EQ(messaging.exit, 0) << messaging.out;
  EXPECT_NE(messaging.out.find("MESSAGE sip:messaging@services.ims.local: 200 OK"), std::string::npos)
      << messaging.out;
  EXPECT_EQ(messaging.out.find("Content-Token:"), std::string::npos) << messaging.out;
}

TEST_F(ClientServices, SubscriberWithoutTheServiceGets403AndExit1) {
  start();
  auto invoke = run(argv({"client", "invoke", "--service", "content"}, edge(), bob()));  // bob: messaging, media
  EXPECT_EQ(invoke.exit, 1) << invoke.out;
  EXPECT_NE(invoke.out.find("MESSAGE sip:content@services.ims.local: 403 Forbidden"), std::string::npos)
      << invoke.out;
  EXPECT_EQ(invoke.out.find("Content-Token:"), std::string::npos) << invoke.out;
  auto fetch = run(argv({"client", "fetch", "--invoke", "--url", content_url()}, edge(), bob()));
  EXPECT_EQ(fetch.exit, 1) << fetch.out;
  EXPECT_EQ(fetch.out.find("GET "), std::string::npos) << fetch.out;  // nothing fetched without a token
}

TEST_F(ClientServices, BadUsageIsExit2) {
  start();
  EXPECT_EQ(run(argv({"client", "fetch", "--url", "http://127.0.0.1/content/content", "--token", "a.b.c",
                      "--data-dir", node_.data_dir()}, {})).exit, 2);
  EXPECT_EQ(run(argv({"client", "fetch", "--url", content_url(), "--data-dir", node_.data_dir()}, {})).exit, 2);
  EXPECT_EQ(run(argv({"client", "fetch", "--url", content_url(), "--token", "a.b.c"}, {})).exit, 2);  // no CA
  EXPECT_EQ(run(argv({"client", "invoke", "--service", "bad name"}, edge(), alice())).exit, 2);
}

TEST_F(ClientServices, ForgedTokenIs401AndBarredSubscriberLosesAccessWithinTheTokenLifetime) {
  test::Telemetry telemetry;  // the Redis client of a redis:// state reports into it
  start();
  // alice stays registered (so her token stays good) while separate fetches use the token.
  ChildProcess holder;
  std::string holder_log = node_.data_dir() + "/holder.log";
  ASSERT_TRUE(holder.start(argv({"client", "invoke", "--service", "content", "--keep", "60"}, edge(), alice()),
                           holder_log));
  std::smatch m;
  std::string log;
  static const std::regex kToken("Content-Token: ([A-Za-z0-9_.-]+) service=content expires=([0-9]+)");
  ASSERT_TRUE(testkit::eventually(
      [&] {
        log = holder.log();
        return std::regex_search(log, m, kToken);
      },
      std::chrono::seconds(20)))
      << holder.log() << node_.log();
  std::string token = m[1];

  auto ok = fetch_with(token);
  EXPECT_EQ(ok.exit, 0) << ok.out;
  EXPECT_NE(ok.out.find(": 200"), std::string::npos) << ok.out;

  // Forged: one byte of the claims changed, the signature kept.
  size_t dot = token.find('.');
  std::string claims = token.substr(dot + 1, token.find('.', dot + 1) - dot - 1);
  std::string forged_claims = claims;
  forged_claims[forged_claims.size() / 2] = forged_claims[forged_claims.size() / 2] == 'A' ? 'B' : 'A';
  std::string forged = token;
  forged.replace(dot + 1, claims.size(), forged_claims);
  auto bad = fetch_with(forged);
  EXPECT_EQ(bad.exit, 1) << bad.out;
  EXPECT_NE(bad.out.find(": 401"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("content server refused: 401"), std::string::npos) << bad.out;

  {
    // The operator bars alice (as `imsguard subscriber bar` would) in the shared state.
    auto state = store::open_state("sqlite", node_.data_dir(), telemetry.metrics, telemetry.events);
    ASSERT_TRUE(state.ok()) << state.message();
    ASSERT_TRUE(state.value().subscribers->set_barred("alice@ims.local", true).ok());
  }
  // The node's subscriber cache sees another process's write within registrar.subscriber_cache_ms.
  ClientRun after;
  for (int i = 0; i < 20; ++i) {
    after = fetch_with(token);
    if (after.exit != 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  EXPECT_EQ(after.exit, 1) << after.out;
  EXPECT_NE(after.out.find(": 403"), std::string::npos) << after.out;
  EXPECT_GT(std::stoll(m[2]), static_cast<long long>(std::time(nullptr)));  // the token had not expired
  holder.stop();
}

TEST_F(ClientServices, ServiceAssertingAnIdentityItMayNotIsRefusedByTheCore) {
  // messaging may assert only another URI: its own answers (PAI sip:messaging@...) are refused.
  start(", may_assert: [\"sip:other@services.ims.local\"]");
  auto r = run(argv({"client", "invoke", "--service", "messaging"}, edge(), alice()));
  EXPECT_EQ(r.exit, 1) << r.out;
  EXPECT_NE(r.out.find("MESSAGE sip:messaging@services.ims.local: 502 Bad Gateway"), std::string::npos) << r.out;
  EXPECT_TRUE(testkit::eventually(
      [&] { return node_.events().find("service asserted an identity it may not") != std::string::npos; },
      std::chrono::seconds(5)))
      << node_.events();
}

}  // namespace
}  // namespace imsguard::service
