// End to end: a real `imsguard servicebox` on free loopback ports, started and stopped by
// PID. The test plays the core (it holds the core's certificate and key, as the core does)
// and the client; state is the SQLite store the core would write.
#define CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_ZLIB_SUPPORT
#define CPPHTTPLIB_BROTLI_SUPPORT
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wcast-align"
#include <httplib.h>
#pragma GCC diagnostic pop

#include <gtest/gtest.h>

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "net/pki.h"
#include "../support/test_telemetry.h"
#include "net/tls_context.h"
#include "process.h"
#include "service/catalog.h"
#include "service/es256.h"
#include "service/service_gate.h"
#include "store/provisioning.h"
#include "store/state.h"

namespace imsguard::service {
namespace {

using testkit::ChildProcess;

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void add_subscriber(store::StateStores& s, const std::string& user, std::vector<std::string> services,
                    bool registered) {
  store::SubscriberSpec spec;
  spec.impi = user + "@ims.local";
  spec.impus = {"sip:" + user + "@ims.local"};
  spec.password = "secret-" + user;
  spec.services = std::move(services);
  store::ProvisioningOptions opts;
  opts.realm = "ims.local";
  auto sub = store::build_subscriber(spec, opts);
  ASSERT_TRUE(sub.ok()) << sub.message();
  ASSERT_TRUE(s.subscribers->add(sub.value()).ok());
  if (registered) {
    store::Binding b;
    b.aor = spec.impus[0];
    b.contact = "sip:" + user + "@127.0.0.1:5099";
    b.impi = spec.impi;
    b.transport = "tls";
    b.source = "127.0.0.1:5099";
    b.call_id = "reg-" + user;
    b.cseq = 1;
    b.expires_at = unix_now() + 3600;
    ASSERT_TRUE(s.bindings->upsert(b).ok());
  }
}

struct TlsReply {
  bool handshake_ok = false;
  std::string bytes;  // what the server answered ("" when it closed or refused)
};

// One SIP request over TLS to the service box, presenting `cert`/`key` (none when empty).
TlsReply sip_over_tls(uint16_t port, const std::string& ca, const std::string& cert, const std::string& key,
                      const std::string& request) {
  TlsReply out;
  auto ctx = net::make_tls_context({ca, cert, key, "1.2"}, net::TlsRole::kClient, false);
  if (!ctx.ok()) return out;
  asio::io_context io;
  asio::ssl::stream<asio::ip::tcp::socket> stream(io, **ctx);
  asio::error_code ec;
  stream.lowest_layer().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return out;
  timeval tv{5, 0};  // bounded: a refused peer must not hang the test
  setsockopt(stream.lowest_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  stream.handshake(asio::ssl::stream_base::client, ec);
  if (ec) return out;
  out.handshake_ok = true;
  asio::write(stream, asio::buffer(request), ec);
  if (ec) return out;
  char buf[4096];
  while (out.bytes.find("\r\n\r\n") == std::string::npos) {
    size_t n = stream.read_some(asio::buffer(buf), ec);
    if (ec) break;
    out.bytes.append(buf, n);
  }
  return out;
}

std::string sip_request(const std::string& service, const std::string& method, const std::string& headers) {
  std::string ruri = "sip:" + service + "@services.ims.local";
  return method + " " + ruri + " SIP/2.0\r\n"
         "Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK-" + std::to_string(unix_now()) + "\r\n"
         "Max-Forwards: 70\r\nFrom: <sip:alice@ims.local>;tag=a1\r\nTo: <" + ruri + ">\r\n"
         "Call-ID: e2e-" + service + "@test\r\nCSeq: 1 " + method + "\r\n" + headers +
         "Content-Length: 0\r\n\r\n";
}

int status_of(const std::string& response) {
  if (response.size() < 12 || response.compare(0, 8, "SIP/2.0 ") != 0) return 0;
  return std::stoi(response.substr(8, 3));
}

class ServiceBoxE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = testkit::make_temp_dir("imsguard-sb-e2e");
    pki_ = dir_ + "/data/pki";
    std::filesystem::create_directories(pki_);
    ASSERT_TRUE(net::pki_init(pki_).ok());
    for (const char* name : {"core", "servicebox", "edge"})
      ASSERT_TRUE(net::pki_issue(pki_, name, {"127.0.0.1"}, false).ok());
    rogue_ = dir_ + "/rogue";
    ASSERT_TRUE(net::pki_init(rogue_).ok());
    ASSERT_TRUE(net::pki_issue(rogue_, "core", {"127.0.0.1"}, false).ok());
    {
      test::Telemetry telemetry;
      auto state = store::open_state("sqlite", dir_ + "/data", telemetry.metrics, telemetry.events);
      ASSERT_TRUE(state.ok()) << state.message();
      add_subscriber(state.value(), "alice", {"media", "content"}, true);
      add_subscriber(state.value(), "carol", {"messaging"}, true);
      add_subscriber(state.value(), "dave", {"content"}, true);
      add_subscriber(state.value(), "erin", {"content"}, false);
    }
    sip_port_ = testkit::free_port();
    https_port_ = testkit::free_port();
    proc_ = new ChildProcess();
    ASSERT_TRUE(proc_->start({IMSGUARD_BIN, "servicebox", "--data-dir", dir_ + "/data", "--sip-port",
                              std::to_string(sip_port_), "--https-port", std::to_string(https_port_)},
                             dir_ + "/servicebox.log"));
    bool up = testkit::eventually([] { return proc_->log().find("servicebox running") != std::string::npos; },
                                  std::chrono::seconds(20));
    ASSERT_TRUE(up) << proc_->log();
  }
  static void TearDownTestSuite() {
    if (proc_) {
      EXPECT_EQ(proc_->stop(), 0) << proc_->log();
      delete proc_;
      proc_ = nullptr;
    }
    std::filesystem::remove_all(dir_);
  }

  // The core: signs with the key of core.crt, the certificate the box pins.
  ServiceGate core_gate() {
    auto key = Es256Key::load_private(pki_ + "/core.key");
    EXPECT_TRUE(key.ok()) << key.message();
    return ServiceGate(catalog_, *key, "https://core.ims.local/core.crt", 300);
  }
  std::string signed_headers(ServiceGate& gate, const std::string& impu, const std::string& service,
                             int64_t at) {
    auto a = gate.sign(impu, service_uri(service, "ims.local"), service, at);
    return "Identity: " + a.identity + "\r\nP-Asserted-Identity: " + a.asserted + "\r\n";
  }
  TlsReply as_core(const std::string& request) {
    return sip_over_tls(sip_port_, pki_ + "/ca.crt", pki_ + "/core.crt", pki_ + "/core.key", request);
  }
  std::pair<int, std::string> fetch(const std::string& service, const std::string& token) {
    httplib::SSLClient cli("127.0.0.1", https_port_);
    cli.set_ca_cert_path((pki_ + "/ca.crt").c_str());
    cli.enable_server_certificate_verification(true);
    cli.set_connection_timeout(5);
    cli.set_read_timeout(5);
    httplib::Headers h;
    if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
    auto res = cli.Get(("/content/" + service).c_str(), h);
    if (!res) return {0, "transport error " + httplib::to_string(res.error())};
    return {res->status, res->body};
  }

  static inline std::string dir_, pki_, rogue_;
  static inline uint16_t sip_port_ = 0, https_port_ = 0;
  static inline ChildProcess* proc_ = nullptr;
  config::ServiceBox box_cfg_ = [] {
    config::ServiceBox b;
    b.services = {{"media", "INVITE"}, {"messaging", "MESSAGE"}, {"content", "GET"}};
    return b;
  }();
  ServiceCatalog catalog_{box_cfg_, "ims.local"};
};

// MESSAGE to the messaging service: an INVITE to the media service needs an SDP offer and
// starts a stream (the media tests cover that); the assertion checks are the same.
TEST_F(ServiceBoxE2E, CoreSignedRequestIsServedOnceAndReplayRefused) {
  auto gate = core_gate();
  ASSERT_TRUE(gate.authorize({"messaging", "content"}, false, "messaging", "MESSAGE").allowed);
  std::string req =
      sip_request("messaging", "MESSAGE", signed_headers(gate, "sip:alice@ims.local", "messaging", unix_now()));
  auto first = as_core(req);
  ASSERT_TRUE(first.handshake_ok);
  EXPECT_EQ(status_of(first.bytes), 200) << first.bytes;
  EXPECT_NE(first.bytes.find("P-Asserted-Identity: <sip:messaging@services.ims.local>"), std::string::npos);
  auto again = as_core(req);
  EXPECT_EQ(status_of(again.bytes), 403) << again.bytes;
}

TEST_F(ServiceBoxE2E, SubscriberWithoutTheServiceIsRefusedByTheCore) {
  auto gate = core_gate();
  auto d = gate.authorize({"messaging"}, false, "media", "INVITE");  // carol's profile
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.code, 403);
}

TEST_F(ServiceBoxE2E, ForgedExpiredOrUnsignedAssertionsAreRefused) {
  auto gate = core_gate();
  EXPECT_EQ(status_of(as_core(sip_request("media", "INVITE", "P-Asserted-Identity: <sip:alice@ims.local>\r\n")).bytes),
            428);
  auto rogue_key = Es256Key::load_private(rogue_ + "/core.key");
  ASSERT_TRUE(rogue_key.ok()) << rogue_key.message();
  ServiceGate forger(catalog_, *rogue_key, "https://evil/core.crt", 300);
  EXPECT_EQ(status_of(as_core(sip_request("media", "INVITE",
                                          signed_headers(forger, "sip:alice@ims.local", "media", unix_now())))
                          .bytes),
            438);
  EXPECT_EQ(status_of(as_core(sip_request("media", "INVITE",
                                          signed_headers(gate, "sip:alice@ims.local", "media", unix_now() - 600)))
                          .bytes),
            438);
}

TEST_F(ServiceBoxE2E, PeersOtherThanTheCoreAreRefusedAtTheTlsLayer) {
  auto gate = core_gate();
  std::string req =
      sip_request("messaging", "MESSAGE", signed_headers(gate, "sip:alice@ims.local", "messaging", unix_now()));
  // No client certificate, a certificate from our CA that is not the core's, and a
  // certificate named "core" from another CA: no SIP answer in any case.
  auto none = sip_over_tls(sip_port_, pki_ + "/ca.crt", "", "", req);
  auto edge = sip_over_tls(sip_port_, pki_ + "/ca.crt", pki_ + "/edge.crt", pki_ + "/edge.key", req);
  auto rogue = sip_over_tls(sip_port_, pki_ + "/ca.crt", rogue_ + "/core.crt", rogue_ + "/core.key", req);
  EXPECT_EQ(none.bytes, "");
  EXPECT_EQ(edge.bytes, "");
  EXPECT_EQ(rogue.bytes, "");
  // The same request from the core is answered, so the refusals above were the TLS layer's.
  EXPECT_EQ(status_of(as_core(req).bytes), 200);
}

TEST_F(ServiceBoxE2E, ContentOnlyForAValidTokenOfThatService) {
  auto gate = core_gate();
  auto token_of = [](const std::string& header) { return header.substr(0, header.find(';')); };
  std::string alice = token_of(gate.issue_token("sip:alice@ims.local", "content", unix_now()));
  auto ok = fetch("content", alice);
  EXPECT_EQ(ok.first, 200) << ok.second;
  EXPECT_NE(ok.second.find("sip:alice@ims.local"), std::string::npos);

  EXPECT_EQ(fetch("content", "").first, 401);
  auto rogue_key = Es256Key::load_private(rogue_ + "/core.key");
  ASSERT_TRUE(rogue_key.ok());
  ServiceGate forger(catalog_, *rogue_key, "x", 300);
  EXPECT_EQ(fetch("content", token_of(forger.issue_token("sip:alice@ims.local", "content", unix_now()))).first, 401);
  ServiceGate short_lived(catalog_, *Es256Key::load_private(pki_ + "/core.key"), "x", 1);
  EXPECT_EQ(fetch("content", token_of(short_lived.issue_token("sip:alice@ims.local", "content", unix_now() - 10)))
                .first,
            401);  // expired
  EXPECT_EQ(fetch("media", alice).first, 404);  // media is not a content service
  // A token for another service presented to this one.
  ServiceGate g2 = core_gate();
  EXPECT_EQ(fetch("content", token_of(g2.issue_token("sip:alice@ims.local", "messaging", unix_now()))).first, 403);
  // Issued to a subscriber who is not registered (no binding).
  EXPECT_EQ(fetch("content", token_of(gate.issue_token("sip:erin@ims.local", "content", unix_now()))).first, 403);
}

TEST_F(ServiceBoxE2E, BarredSubscriberLosesAccessWithinTheTokenLifetime) {
  test::Telemetry telemetry;  // the Redis client of a redis:// state reports into it
  auto gate = core_gate();
  std::string dave = gate.issue_token("sip:dave@ims.local", "content", unix_now());
  dave = dave.substr(0, dave.find(';'));
  ASSERT_EQ(fetch("content", dave).first, 200);
  {
    // The core bars dave (as `imsguard subscriber bar` would) in the shared state.
    auto state = store::open_state("sqlite", dir_ + "/data", telemetry.metrics, telemetry.events);
    ASSERT_TRUE(state.ok()) << state.message();
    ASSERT_TRUE(state.value().subscribers->set_barred("dave@ims.local", true).ok());
  }
  EXPECT_EQ(fetch("content", dave).first, 403);  // same token, still unexpired
}

TEST(ServiceBoxStart, MissingCertificateIsAClearError) {
  std::string dir = testkit::make_temp_dir("imsguard-sb-badcfg");
  ChildProcess p;
  ASSERT_TRUE(p.start({IMSGUARD_BIN, "servicebox", "--data-dir", dir + "/data", "--duration", "2"}, dir + "/log"));
  EXPECT_EQ(p.wait(std::chrono::seconds(20)), 2);
  EXPECT_NE(p.log().find("missing certificate file"), std::string::npos) << p.log();
  std::filesystem::remove_all(dir);
}

TEST(ServiceBoxStart, UnknownServiceInAProfileIsAClearError) {
  test::Telemetry telemetry;  // the Redis client of a redis:// state reports into it
  std::string dir = testkit::make_temp_dir("imsguard-sb-badprofile");
  std::string pki = dir + "/data/pki";
  std::filesystem::create_directories(pki);
  ASSERT_TRUE(net::pki_init(pki).ok());
  for (const char* name : {"core", "servicebox"}) ASSERT_TRUE(net::pki_issue(pki, name, {"127.0.0.1"}, false).ok());
  {
    auto state = store::open_state("sqlite", dir + "/data", telemetry.metrics, telemetry.events);
    ASSERT_TRUE(state.ok());
    add_subscriber(state.value(), "frank", {"media", "gaming"}, false);
  }
  ChildProcess p;
  ASSERT_TRUE(p.start({IMSGUARD_BIN, "servicebox", "--data-dir", dir + "/data", "--sip-port",
                       std::to_string(testkit::free_port()), "--https-port", std::to_string(testkit::free_port()),
                       "--duration", "2"},
                      dir + "/log"));
  EXPECT_EQ(p.wait(std::chrono::seconds(20)), 2);
  EXPECT_NE(p.log().find("'gaming'"), std::string::npos) << p.log();
  EXPECT_NE(p.log().find("frank@ims.local"), std::string::npos) << p.log();
  std::filesystem::remove_all(dir);
}

// The host refused (its SIP port is taken), not the configuration: exit 1, where a missing
// certificate or an unknown service exit 2.
TEST(ServiceBoxStart, APortInUseExitsOne) {
  std::string dir = testkit::make_temp_dir("imsguard-sb-busy");
  std::string pki = dir + "/data/pki";
  std::filesystem::create_directories(pki);
  ASSERT_TRUE(net::pki_init(pki).ok());
  for (const char* name : {"core", "servicebox"}) ASSERT_TRUE(net::pki_issue(pki, name, {"127.0.0.1"}, false).ok());
  int held = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(held, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(held, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(held, 1), 0);
  ASSERT_EQ(::getsockname(held, reinterpret_cast<sockaddr*>(&a), &len), 0);
  ChildProcess p;
  ASSERT_TRUE(p.start({IMSGUARD_BIN, "servicebox", "--data-dir", dir + "/data", "--sip-port",
                       std::to_string(ntohs(a.sin_port)), "--https-port", std::to_string(testkit::free_port()),
                       "--duration", "2"},
                      dir + "/log"));
  EXPECT_EQ(p.wait(std::chrono::seconds(20)), 1);
  EXPECT_NE(p.log().find("imsguard servicebox: servicebox sip: "), std::string::npos) << p.log();
  ::close(held);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace imsguard::service
