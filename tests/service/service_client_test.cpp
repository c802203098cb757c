// The core's pooled mutual-TLS client toward the service box, against a real TLS listener
// on loopback (the net::Server the service box uses, pinned to the core's certificate):
// requests reuse one connection, a restarted box is reconnected to, concurrent callers get
// their own connections. Binds ports: part of the e2e binary.
#include "service/service_client.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "net/pki.h"
#include "net/server.h"
#include "net/tls_context.h"
#include "process.h"
#include "service/peer_pin.h"
#include "sip_text.h"
#include "sip/parser.h"
#include "sip/response.h"

namespace imsguard::service {
namespace {

// Answers every request 200 and remembers on which connection it came.
class Recorder final : public net::MessageHandler {
 public:
  void on_message(const net::Flow& flow, std::string_view bytes, net::Responder& reply) override {
    sip::Message msg;
    if (sip::parse_stream_message(bytes, {}, msg).status != sip::ParseStatus::kOk) return;
    {
      std::lock_guard lock(mutex_);
      flows_.insert(flow.to_string());
      ++messages_;
    }
    reply.send(sip::make_response(msg, 200, "OK", {}, "box"));
  }
  void on_stream_error(const net::Flow&, int, std::string_view, net::Responder&) override {}
  size_t flows() {
    std::lock_guard lock(mutex_);
    return flows_.size();
  }
  size_t messages() {
    std::lock_guard lock(mutex_);
    return messages_;
  }

 private:
  std::mutex mutex_;
  std::set<std::string> flows_;
  size_t messages_ = 0;
};

class PooledClient : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testkit::make_temp_dir("imsguard-sc");
    ASSERT_TRUE(net::pki_init(dir_).ok());
    for (const char* name : {"core", "servicebox"}) ASSERT_TRUE(net::pki_issue(dir_, name, {"127.0.0.1"}, false).ok());
    files_ = default_service_files(dir_);
    ASSERT_TRUE(start_box(0));
  }
  void TearDown() override {
    if (box_) box_->stop();
    std::filesystem::remove_all(dir_);
  }
  bool start_box(uint16_t port) {
    auto tls = net::make_tls_context({files_.ca, files_.cert, files_.key, "1.2"}, net::TlsRole::kServer, true);
    if (!tls.ok()) return false;
    auto pin = certificate_fingerprint(files_.core_cert);
    if (!pin.ok()) return false;
    pin_peer_certificate(**tls, *pin);
    net::ServerOptions opts;
    opts.listeners = {config::Listener{config::Transport::kTls, "127.0.0.1", port}};
    opts.tls = tls.value();
    box_ = std::make_unique<net::Server>(opts, metrics_);
    if (!box_->start(recorder_).ok()) return false;
    port_ = box_->bound_port(0);
    return true;
  }
  std::unique_ptr<ServiceClient> client(ServiceClientOptions options = {}) {
    auto c = ServiceClient::create(metrics_, files_, dir_ + "/core.key", {"127.0.0.1", port_}, options);
    EXPECT_TRUE(c.ok()) << c.message();
    return c.ok() ? std::move(c).value() : nullptr;
  }
  static std::string request(int n) {
    auto text = testing::request("MESSAGE", "sip:messaging@services.ims.local", "");
    // A distinct Call-ID per request so the answers can be told apart.
    return text.replace(text.find("Call-ID: "), 9, "Call-ID: n" + std::to_string(n) + "-");
  }

  std::string dir_;
  ServiceNodeFiles files_;
  Recorder recorder_;
  ops::CounterRegistry metrics_;
  std::unique_ptr<net::Server> box_;
  uint16_t port_ = 0;
};

TEST_F(PooledClient, TwoRequestsShareOneConnection) {
  auto c = client();
  ASSERT_TRUE(c);
  for (int i = 0; i < 2; ++i) {
    auto r = c->exchange(request(i));
    ASSERT_TRUE(r.ok()) << r.message();
    EXPECT_EQ(r->rfind("SIP/2.0 200 OK", 0), 0u) << *r;
    EXPECT_NE(r->find("Call-ID: n" + std::to_string(i) + "-"), std::string::npos) << *r;
  }
  EXPECT_EQ(c->handshakes(), 1u);
  EXPECT_EQ(c->idle(), 1u);
  EXPECT_EQ(recorder_.messages(), 2u);
  EXPECT_EQ(recorder_.flows(), 1u);  // the box saw both on one connection too
}

TEST_F(PooledClient, ARestartedBoxIsReconnectedTo) {
  auto c = client();
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->exchange(request(1)).ok());
  uint16_t port = port_;
  box_->stop();  // the pooled connection is now closed by the peer
  ASSERT_TRUE(start_box(port));
  auto r = c->exchange(request(2));
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->rfind("SIP/2.0 200 OK", 0), 0u) << *r;
  EXPECT_EQ(c->handshakes(), 2u);
  EXPECT_EQ(recorder_.messages(), 2u);  // the request was not delivered twice
}

TEST_F(PooledClient, AConnectionThatFailsInUseIsReplacedOnce) {
  ServiceClientOptions o;
  o.probe_idle = false;  // the dead connection is written to, and fails on the read
  auto c = client(o);
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->exchange(request(1)).ok());
  uint16_t port = port_;
  box_->stop();
  ASSERT_TRUE(start_box(port));
  auto r = c->exchange(request(2));
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->rfind("SIP/2.0 200 OK", 0), 0u) << *r;
  EXPECT_EQ(c->handshakes(), 2u);
  EXPECT_EQ(recorder_.messages(), 2u);
}

TEST_F(PooledClient, AnUnreachableBoxIsAnErrorNotAHang) {
  auto c = client();
  ASSERT_TRUE(c);
  box_->stop();
  box_.reset();
  auto r = c->exchange(request(1));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.code(), Code::kUnavailable);
  EXPECT_NE(r.message(), "");
}

TEST_F(PooledClient, ConcurrentCallersUseSeparateConnections) {
  auto c = client();
  ASSERT_TRUE(c);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i)
        if (c->exchange(request(t * 10 + i)).ok()) ++ok;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 20);
  EXPECT_EQ(recorder_.messages(), 20u);
  EXPECT_LE(c->handshakes(), 4u);  // at most one per concurrent caller, not one per request
  EXPECT_GE(c->handshakes(), 1u);
}

}  // namespace
}  // namespace imsguard::service
