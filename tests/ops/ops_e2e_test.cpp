// A real `imsguard run` operated the way an operator does: Prometheus scrapes of /metrics,
// the admin API (bans, registrations, subscribers) behind its bearer token, and SIGHUP
// reloads that change thresholds, the allowlist and the TLS certificate while a client
// stays registered over an open TCP connection.
#define CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_ZLIB_SUPPORT
#define CPPHTTPLIB_BROTLI_SUPPORT
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "digest_phone.h"
#include "imsguard_process.h"
#include "net/pki.h"
#include "sip_socket.h"

using namespace imsguard::testkit;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string kToken = "e2e-admin-token-4f1c9a7d2b";

std::string admin_yaml(uint16_t port) {
  return "admin:\n  listen: { address: 127.0.0.1, port: " + std::to_string(port) + " }\n  token: \"" + kToken + "\"\n";
}

struct Http {
  int status = 0;
  std::string body;
};

class AdminClient {
 public:
  explicit AdminClient(uint16_t port) : client_("127.0.0.1", port) { client_.set_read_timeout(10, 0); }
  Http get(const std::string& path, const std::string& token = kToken) {
    return result(client_.Get(path.c_str(), headers(token)));
  }
  Http del(const std::string& path) { return result(client_.Delete(path.c_str(), headers(kToken))); }
  Http post(const std::string& path, const std::string& body) {
    return result(client_.Post(path.c_str(), headers(kToken), body, "application/json"));
  }

 private:
  static httplib::Headers headers(const std::string& token) {
    if (token.empty()) return {};
    return {{"Authorization", "Bearer " + token}};
  }
  static Http result(const httplib::Result& r) {
    if (!r) return {};
    return {r->status, r->body};
  }
  httplib::Client client_;
};

// The value of one sample line ("name value"), or -1 when absent.
double metric(const std::string& text, const std::string& name) {
  size_t at = 0;
  while ((at = text.find(name + " ", at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') return std::stod(text.substr(at + name.size() + 1));
    at += name.size();
  }
  return -1;
}

std::string sip_request(const std::string& method, uint16_t local_port, int cseq, const std::string& extra = "") {
  static int branch = 0;
  std::string uri = method == "REGISTER" ? "sip:ims.local" : "sip:127.0.0.1";
  return method + " " + uri + " SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:" + std::to_string(local_port) +
         ";branch=z9hG4bKops" + std::to_string(++branch) +
         "\r\nMax-Forwards: 70\r\nFrom: <sip:alice@ims.local>;tag=ops1\r\nTo: <sip:alice@ims.local>\r\n"
         "Call-ID: ops-e2e-" + std::to_string(local_port) + "\r\nCSeq: " + std::to_string(cseq) + " " + method +
         "\r\nContact: <sip:alice@127.0.0.1:" + std::to_string(local_port) + ";transport=tcp>\r\nExpires: 600\r\n" +
         extra + "Content-Length: 0\r\n\r\n";
}

// Registers alice with Digest over `peer` (challenge, answer); the final status.
int register_alice(TcpPeer& peer, const std::string& password) {
  if (!peer.send(sip_request("REGISTER", peer.local_port(), 1))) return 0;
  auto challenge = peer.receive_message(5s);
  if (!challenge || status_of(*challenge) != 401) return challenge ? status_of(*challenge) : 0;
  auto c = DigestPhone::challenge_of(*challenge);
  if (!c) return 0;
  std::string auth = DigestPhone::answer(*c, "alice@ims.local", password);
  if (auth.empty()) return 0;
  if (!peer.send(sip_request("REGISTER", peer.local_port(), 2, auth))) return 0;
  auto final = peer.receive_message(5s);
  return final ? status_of(*final) : 0;
}

int options_over(TcpPeer& peer, int cseq) {
  if (!peer.send(sip_request("OPTIONS", peer.local_port(), cseq))) return 0;
  auto r = peer.receive_message(5s);
  return r ? status_of(*r) : 0;
}

// Sends `n` OPTIONS from `address` over UDP; how many were answered within a few seconds.
int udp_burst(const std::string& address, uint16_t port, int n) {
  UdpPeer peer(address);
  for (int i = 0; i < n; ++i)
    peer.send("OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP " + address + ":" + std::to_string(peer.local_port()) +
                  ";branch=z9hG4bKburst" + std::to_string(i) + "\r\nFrom: <sip:probe@ims.local>;tag=b" +
                  std::to_string(i) + "\r\nTo: <sip:127.0.0.1>\r\nCall-ID: burst-" + address + "-" + std::to_string(i) +
                  "\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
              port);
  int answered = 0;
  while (answered < n && peer.receive(answered == 0 ? 3000ms : 1000ms)) ++answered;
  return answered;
}

// True when the admin API lists a ban of `address` made by `by`.
bool banned_by(AdminClient& admin, const std::string& address, const std::string& by) {
  auto r = admin.get("/api/v1/bans");
  if (r.status != 200) return false;
  json parsed = json::parse(r.body);
  for (const auto& b : parsed["bans"])
    if (b["prefix"].get<std::string>().rfind(address, 0) == 0 && b["by"] == by) return true;
  return false;
}

std::string der_of(X509* cert) {
  unsigned char* der = nullptr;
  int len = i2d_X509(cert, &der);
  std::string out = len > 0 ? std::string(reinterpret_cast<char*>(der), static_cast<size_t>(len)) : "";
  OPENSSL_free(der);
  return out;
}

std::string file_certificate(const std::string& path) {
  BIO* bio = BIO_new_file(path.c_str(), "r");
  if (!bio) return "";
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!cert) return "";
  std::string der = der_of(cert);
  X509_free(cert);
  return der;
}

// The certificate a fresh TLS connection to 127.0.0.1:port is shown (DER), "" on failure.
std::string served_certificate(uint16_t port) {
  std::string der;
  int fd = connect_loopback("127.0.0.1", port, std::chrono::seconds(5));
  if (fd >= 0) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);  // only the certificate shown matters here
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) == 1) {
      X509* cert = SSL_get1_peer_certificate(ssl);
      if (cert) {
        der = der_of(cert);
        X509_free(cert);
      }
      SSL_shutdown(ssl);
    }
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    ::close(fd);
  }
  return der;
}

TEST(OpsE2e, MetricsAreScrapedAndMoveWithARegistration) {
  ImsguardProcess proc;
  uint16_t admin_port = free_port();
  ImsguardOptions o;
  o.tls = false;
  o.extra_yaml = admin_yaml(admin_port);
  ASSERT_TRUE(proc.start(o)) << proc.log();
  AdminClient admin(admin_port);

  EXPECT_EQ(admin.get("/metrics", "").status, 401);
  EXPECT_EQ(admin.get("/metrics", "wrong-token-wrong-token").status, 401);
  auto before = admin.get("/metrics");
  ASSERT_EQ(before.status, 200) << proc.log();
  EXPECT_NE(before.body.find("# TYPE imsguard_message_handling_seconds histogram"), std::string::npos);

  TcpPeer alice;
  ASSERT_TRUE(alice.connect(proc.sip_port()));
  ASSERT_EQ(register_alice(alice, proc.demo("digest", "password")), 200) << proc.log();
  auto after = admin.get("/metrics");
  ASSERT_EQ(after.status, 200);

  auto delta = [&](const std::string& name) { return metric(after.body, name) - std::max(0.0, metric(before.body, name)); };
  EXPECT_GE(delta("imsguard_edge_requests_total{method=\"REGISTER\"}"), 2) << after.body;
  EXPECT_EQ(delta("imsguard_auth_total{result=\"ok\",scheme=\"digest\"}"), 1) << after.body;
  EXPECT_GE(delta("imsguard_auth_total{result=\"challenged\",scheme=\"digest\"}"), 1) << after.body;
  EXPECT_EQ(delta("imsguard_auth_total{result=\"challenged\",scheme=\"aka\"}"), 0) << after.body;
  EXPECT_GE(delta("imsguard_message_handling_seconds_count{transport=\"tcp\"}"), 2) << after.body;
  EXPECT_EQ(metric(after.body, "imsguard_message_handling_seconds_bucket{transport=\"tcp\",le=\"+Inf\"}"),
            metric(after.body, "imsguard_message_handling_seconds_count{transport=\"tcp\"}"));
  EXPECT_GE(metric(after.body, "imsguard_net_connections_open"), 1) << after.body;
  EXPECT_GE(metric(after.body, "imsguard_guard_bans_active"), 0) << after.body;
  EXPECT_GE(metric(after.body, "imsguard_messages_inflight"), 0) << after.body;
  EXPECT_NE(proc.log().find("admin API and metrics: http://127.0.0.1:" + std::to_string(admin_port)), std::string::npos)
      << proc.log();
}

TEST(OpsE2e, AdminApiListsAndRemovesBansAndShowsStateWithoutSecrets) {
  ImsguardProcess proc;
  uint16_t admin_port = free_port();
  ImsguardOptions o;
  o.tls = false;
  o.extra_yaml = admin_yaml(admin_port);
  ASSERT_TRUE(proc.start(o)) << proc.log();
  AdminClient admin(admin_port);
  for (const char* path : {"/api/v1/bans", "/api/v1/registrations", "/api/v1/subscribers/alice@ims.local"}) {
    EXPECT_EQ(admin.get(path, "").status, 401) << path;
    EXPECT_EQ(admin.get(path, kToken + "x").status, 401) << path;
  }

  TcpPeer alice;
  ASSERT_TRUE(alice.connect(proc.sip_port()));
  std::string password = proc.demo("digest", "password");
  ASSERT_EQ(register_alice(alice, password), 200) << proc.log();

  auto regs = admin.get("/api/v1/registrations");
  ASSERT_EQ(regs.status, 200);
  auto list = json::parse(regs.body)["registrations"];
  ASSERT_EQ(list.size(), 1u) << regs.body;
  EXPECT_EQ(list[0]["aor"], "sip:alice@ims.local");
  EXPECT_EQ(list[0]["transport"], "tcp");
  EXPECT_GT(list[0]["expires_in_s"].get<int64_t>(), 0);

  auto sub = admin.get("/api/v1/subscribers/alice@ims.local");
  ASSERT_EQ(sub.status, 200) << sub.body;
  auto a = json::parse(sub.body);
  EXPECT_EQ(a["scheme"], "digest");
  EXPECT_EQ(a["registrations"].size(), 1u);
  EXPECT_EQ(a["lockout_remaining_s"], 0);
  EXPECT_EQ(sub.body.find(password), std::string::npos);
  EXPECT_EQ(sub.body.find("ha1"), std::string::npos);
  auto by_impu = admin.get("/api/v1/subscribers/sip:alice@ims.local");
  EXPECT_EQ(by_impu.status, 200);

  auto bob = admin.get("/api/v1/subscribers/bob@ims.local");
  ASSERT_EQ(bob.status, 200) << bob.body;
  EXPECT_EQ(json::parse(bob.body)["scheme"], "aka");
  EXPECT_EQ(bob.body.find(proc.demo("aka", "k")), std::string::npos);
  EXPECT_EQ(bob.body.find(proc.demo("aka", "opc")), std::string::npos);
  EXPECT_EQ(bob.body.find("sqn"), std::string::npos);
  EXPECT_EQ(admin.get("/api/v1/subscribers/nobody@ims.local").status, 404);

  EXPECT_EQ(admin.post("/api/v1/bans", R"({"prefix": "198.51.100.0/24", "ttl_s": 600, "reason": "abuse desk"})").status,
            201);
  EXPECT_TRUE(banned_by(admin, "198.51.100.0", "admin"));
  EXPECT_EQ(admin.post("/api/v1/bans", R"({"prefix": "300.1.1.1"})").status, 400);
  EXPECT_EQ(admin.del("/api/v1/bans?prefix=198.51.100.0%2F24").status, 200);
  EXPECT_FALSE(banned_by(admin, "198.51.100.0", "admin"));
  EXPECT_EQ(admin.del("/api/v1/bans?prefix=198.51.100.0%2F24").status, 404);
  EXPECT_TRUE(eventually([&] { return proc.events().find("\"action\":\"unban\"") != std::string::npos; }, 5s))
      << proc.events();
}

TEST(OpsE2e, SighupReloadsThresholdsAllowlistAndCertificateOverOpenConnections) {
  ImsguardProcess proc;
  uint16_t admin_port = free_port();
  ImsguardOptions o;
  o.extra_yaml = admin_yaml(admin_port);
  ASSERT_TRUE(proc.start(o)) << proc.log();
  AdminClient admin(admin_port);

  std::string first_cert = served_certificate(proc.tls_port());
  ASSERT_FALSE(first_cert.empty());
  EXPECT_EQ(first_cert, file_certificate(proc.data_dir() + "/pki/edge.crt"));

  TcpPeer alice;
  ASSERT_TRUE(alice.connect(proc.sip_port()));
  ASSERT_EQ(register_alice(alice, proc.demo("digest", "password")), 200) << proc.log();

  // Before: ten messages from one source are no flood.
  EXPECT_EQ(udp_burst("127.0.0.3", proc.sip_port(), 10), 10);
  EXPECT_FALSE(banned_by(admin, "127.0.0.3", "flood"));

  std::string pki = make_temp_dir("imsguard-reload-pki");
  ASSERT_TRUE(imsguard::net::pki_init(pki, "reload test CA").ok());
  ASSERT_TRUE(imsguard::net::pki_issue(pki, "edge2", {"127.0.0.1", "localhost"}, false).ok());
  std::string base = read_file(proc.config_path());
  std::string reloaded = base +
                         "guards:\n  flood:\n    max_per_source: 5\n    allowlist: [127.0.0.4/32]\n"
                         "tls:\n  ca: " + pki + "/ca.crt\n  cert: " + pki + "/edge2.crt\n  key: " + pki + "/edge2.key\n";
  write_file(proc.config_path(), reloaded);
  ASSERT_EQ(::kill(proc.pid(), SIGHUP), 0);
  ASSERT_TRUE(eventually([&] { return proc.log().find("SIGHUP: configuration reloaded") != std::string::npos; }, 10s))
      << proc.log();
  EXPECT_NE(proc.log().find("SIGHUP: guards.flood: new settings applied"), std::string::npos) << proc.log();

  // The registered client's connection and binding are still there.
  EXPECT_EQ(options_over(alice, 3), 200);
  auto regs = json::parse(admin.get("/api/v1/registrations").body)["registrations"];
  ASSERT_EQ(regs.size(), 1u);
  EXPECT_EQ(regs[0]["aor"], "sip:alice@ims.local");

  // The new threshold applies (20 > 5 in the window: banned), the allowlisted source is spared.
  EXPECT_EQ(udp_burst("127.0.0.4", proc.sip_port(), 20), 20);
  EXPECT_LT(udp_burst("127.0.0.2", proc.sip_port(), 20), 20);
  EXPECT_TRUE(eventually([&] { return banned_by(admin, "127.0.0.2", "flood"); }, 5s))
      << admin.get("/api/v1/bans").body;
  EXPECT_FALSE(banned_by(admin, "127.0.0.4", "flood"));

  // A new TLS connection is shown the new certificate.
  std::string second_cert = served_certificate(proc.tls_port());
  EXPECT_EQ(second_cert, file_certificate(pki + "/edge2.crt"));
  EXPECT_NE(second_cert, first_cert);

  // A broken config is refused; the running one stays and so does the connection.
  write_file(proc.config_path(), reloaded + "connections:\n  max_total: lots\n");
  ASSERT_EQ(::kill(proc.pid(), SIGHUP), 0);
  ASSERT_TRUE(eventually([&] { return proc.log().find("SIGHUP: reload refused") != std::string::npos; }, 10s))
      << proc.log();
  EXPECT_NE(proc.log().find("connections.max_total"), std::string::npos) << proc.log();
  EXPECT_EQ(options_over(alice, 4), 200);
  EXPECT_EQ(served_certificate(proc.tls_port()), second_cert);
  EXPECT_NE(proc.events().find("\"action\":\"reload_refused\""), std::string::npos) << proc.events();
  EXPECT_EQ(proc.stop(), 0) << proc.log();
}

}  // namespace

namespace {

struct CliRun {
  int status = -1;
  std::string output;
};

CliRun imsguard_cli(const std::string& dir, const std::vector<std::string>& args) {
  static int n = 0;
  std::string log = dir + "/cli-" + std::to_string(++n) + ".log";
  std::vector<std::string> argv = {IMSGUARD_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess p;
  CliRun r;
  if (!p.start(argv, log)) return r;
  r.status = p.wait(60s);
  if (r.status == -2) r.status = p.stop();
  r.output = read_file(log);
  return r;
}

TEST(OpsE2e, AdminCommandUsesTheConfigsAddressAndToken) {
  ImsguardProcess proc;
  uint16_t admin_port = free_port();
  ImsguardOptions o;
  o.tls = false;
  o.extra_yaml = admin_yaml(admin_port);
  ASSERT_TRUE(proc.start(o)) << proc.log();
  const std::string& cfg = proc.config_path();
  const std::string& dir = proc.data_dir();

  auto ban = imsguard_cli(dir, {"admin", "--config", cfg, "ban", "203.0.113.0/24", "--ttl", "300", "--reason", "cli test"});
  EXPECT_EQ(ban.status, 0) << ban.output;
  auto bans = imsguard_cli(dir, {"admin", "--config", cfg, "bans"});
  EXPECT_EQ(bans.status, 0) << bans.output;
  EXPECT_NE(bans.output.find("\"cli test\""), std::string::npos) << bans.output;
  auto unban = imsguard_cli(dir, {"admin", "--config", cfg, "unban", "203.0.113.0/24"});
  EXPECT_EQ(unban.status, 0) << unban.output;
  auto again = imsguard_cli(dir, {"admin", "--config", cfg, "unban", "203.0.113.0/24"});
  EXPECT_EQ(again.status, 2) << again.output;
  auto sub = imsguard_cli(dir, {"admin", "--config", cfg, "subscriber", "alice@ims.local"});
  EXPECT_EQ(sub.status, 0) << sub.output;
  EXPECT_NE(sub.output.find("\"impi\": \"alice@ims.local\""), std::string::npos) << sub.output;
  auto metrics = imsguard_cli(dir, {"admin", "--config", cfg, "metrics"});
  EXPECT_EQ(metrics.status, 0);
  EXPECT_NE(metrics.output.find("# TYPE imsguard_net_connections_open gauge"), std::string::npos);

  std::string wrong = dir + "/wrong.token";
  write_file(wrong, "not-the-token-at-all\n");
  auto denied = imsguard_cli(dir, {"admin", "--config", cfg, "--token-file", wrong, "bans"});
  EXPECT_EQ(denied.status, 1) << denied.output;
  EXPECT_NE(denied.output.find("HTTP 401"), std::string::npos) << denied.output;
  auto nobody = imsguard_cli(dir, {"admin", "--config", cfg, "--port", std::to_string(free_port()), "bans"});
  EXPECT_EQ(nobody.status, 1) << nobody.output;
}

}  // namespace
