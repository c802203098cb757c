// ServiceNode::start's failures by code: what the operator must fix (kNotFound: a certificate
// file; kInvalid: the catalogue) apart from what the host refused (kUnavailable: a port in
// use), which `imsguard servicebox` turns into exit 2 or 1. Binds loopback ports: part of the
// e2e binary.
#include "service/service_node.h"

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "net/pki.h"
#include "process.h"
#include "store/state.h"
#include "test_telemetry.h"

namespace imsguard::service {
namespace {

// A TCP port held in LISTEN on 127.0.0.1 for the test's lifetime.
class HeldPort {
 public:
  HeldPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::listen(fd_, 1) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0)
      port_ = ntohs(a.sin_port);
  }
  ~HeldPort() {
    if (fd_ >= 0) ::close(fd_);
  }
  HeldPort(const HeldPort&) = delete;
  HeldPort& operator=(const HeldPort&) = delete;
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

class ServiceNodeStart : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testkit::make_temp_dir("imsguard-sn");
    pki_ = dir_ + "/pki";
    std::filesystem::create_directories(pki_);
    ASSERT_TRUE(net::pki_init(pki_).ok());
    for (const char* name : {"core", "servicebox"}) ASSERT_TRUE(net::pki_issue(pki_, name, {"127.0.0.1"}, false).ok());
    auto state = store::open_state("memory", "", telemetry_.metrics, telemetry_.events);
    ASSERT_TRUE(state.ok()) << state.message();
    stores_ = std::move(state.value());
    auto loaded = config::load_default();
    ASSERT_TRUE(loaded.ok());
    config_ = *loaded.config;
    config_.data_dir = dir_ + "/data";
    config_.servicebox.sip_listen = {"127.0.0.1", 0};
    config_.servicebox.https_listen = {"127.0.0.1", 0};
    files_ = default_service_files(pki_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Status start() {
    ServiceNode node(config_, files_, telemetry_.metrics, telemetry_.events);
    Status started = node.start(stores_.subscribers.get(), stores_.bindings.get());
    node.stop();
    return started;
  }

  test::Telemetry telemetry_;  // outlives the stores
  store::StateStores stores_;
  std::string dir_, pki_;
  config::Config config_;
  ServiceNodeFiles files_;
};

// The baseline the failures below differ from by one thing each.
TEST_F(ServiceNodeStart, StartsOnFreePorts) {
  Status started = start();
  EXPECT_TRUE(started.ok()) << started.message();
}

TEST_F(ServiceNodeStart, AMissingCertificateIsNotFound) {
  files_.core_cert = dir_ + "/nope.crt";
  Status started = start();
  EXPECT_EQ(started.code(), Code::kNotFound);
  EXPECT_NE(started.message().find("missing certificate file " + dir_ + "/nope.crt"), std::string::npos)
      << started.message();
}

TEST_F(ServiceNodeStart, ABadCatalogueIsInvalid) {
  config_.servicebox.services.push_back({"conference", "BYE"});
  Status started = start();
  EXPECT_EQ(started.code(), Code::kInvalid);
  EXPECT_NE(started.message().find("method 'BYE'"), std::string::npos) << started.message();
}

TEST_F(ServiceNodeStart, TheSipPortInUseIsUnavailable) {
  HeldPort held;
  ASSERT_NE(held.port(), 0);
  config_.servicebox.sip_listen.port = held.port();
  Status started = start();
  EXPECT_EQ(started.code(), Code::kUnavailable);
  EXPECT_EQ(started.message().rfind("servicebox sip: ", 0), 0u) << started.message();
}

TEST_F(ServiceNodeStart, TheHttpsPortInUseIsUnavailable) {
  HeldPort held;
  ASSERT_NE(held.port(), 0);
  config_.servicebox.https_listen.port = held.port();
  Status started = start();
  EXPECT_EQ(started.code(), Code::kUnavailable);
  EXPECT_NE(started.message().find("content server: cannot bind 127.0.0.1:" + std::to_string(held.port())),
            std::string::npos)
      << started.message();
}

// One-process deployments make the PKI on first start; where it cannot be written the node
// is told why, with the PKI's own code (a missing file is not the operator's input).
TEST(EnsureServicePki, MakesTheCertificatesOnceAndSaysWhyWhenItCannot) {
  std::string dir = testkit::make_temp_dir("imsguard-pki");
  ASSERT_TRUE(ensure_service_pki(dir + "/pki", {"127.0.0.2"}).ok());
  for (const char* f : {"/pki/ca.crt", "/pki/core.crt", "/pki/servicebox.crt"})
    EXPECT_TRUE(std::filesystem::exists(dir + f)) << f;
  auto stamp = std::filesystem::last_write_time(dir + "/pki/core.crt");
  ASSERT_TRUE(ensure_service_pki(dir + "/pki").ok());
  EXPECT_EQ(std::filesystem::last_write_time(dir + "/pki/core.crt"), stamp) << "an existing certificate is kept";
  std::FILE* f = std::fopen((dir + "/plain-file").c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  Status under_a_file = ensure_service_pki(dir + "/plain-file/pki");
  EXPECT_FALSE(under_a_file.ok());
  EXPECT_NE(under_a_file.code(), Code::kInvalid) << under_a_file.message();
  EXPECT_EQ(under_a_file.message().rfind("pki: ", 0), 0u) << under_a_file.message();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace imsguard::service
