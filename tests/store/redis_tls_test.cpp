// TLS to Redis (rediss://) against a real redis-server with TLS, started by the test: the
// server's certificate is verified (a server signed by another CA is refused with the reason),
// a server that requires client certificates gets ours, and bindings really travel through
// the encrypted link (read back with redis-cli over TLS).
#include <gtest/gtest.h>

#include <cstdlib>

#include "redis_server.h"
#include "../support/test_telemetry.h"
#include "store/redis_binding_store.h"
#include "store/redis_client.h"
#include "store/state.h"
#include "temp_dir.h"

namespace imsguard::store {
namespace {

using testing::RedisServer;
using testing::RedisTls;
using testing::TempDir;

constexpr int64_t kNow = 1'800'000'000;

// A CA in `dir`/<name>-ca.*, a server certificate for IP 127.0.0.1 and a client certificate,
// made with the openssl command line (P-256, one day).
bool make_pki(const std::string& dir, const std::string& name) {
  std::string d = dir + "/" + name;
  std::string script =
      "set -e; cd " + dir + "; "
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=" + name +
      "-ca -keyout " + d + "-ca.key -out " + d + "-ca.crt; "
      "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=redis -addext "
      "subjectAltName=IP:127.0.0.1 -keyout " + d + "-server.key -out " + d + "-server.csr; "
      "openssl x509 -req -in " + d + "-server.csr -CA " + d + "-ca.crt -CAkey " + d + "-ca.key -CAcreateserial -days 1 "
      "-copy_extensions copy -out " + d + "-server.crt; "
      "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=edge -keyout " + d +
      "-client.key -out " + d + "-client.csr; "
      "openssl x509 -req -in " + d + "-client.csr -CA " + d + "-ca.crt -CAkey " + d + "-ca.key -CAcreateserial -days 1 "
      "-out " + d + "-client.crt";
  std::string cmd = "bash -c '" + script + "' > " + d + "-pki.log 2>&1";
  return std::system(cmd.c_str()) == 0;
}

RedisTls server_tls(const std::string& dir, const std::string& name, bool require_client_cert) {
  std::string d = dir + "/" + name;
  return RedisTls{d + "-ca.crt", d + "-server.crt", d + "-server.key", d + "-client.crt", d + "-client.key",
                  require_client_cert};
}

Binding binding(const std::string& aor) {
  Binding b;
  b.aor = aor;
  b.contact = "sip:x@127.0.0.1:5070";
  b.impi = "x@ims.local";
  b.transport = "udp";
  b.source = "127.0.0.1:5070";
  b.expires_at = kNow + 600;
  return b;
}

TEST(RedisTlsLink, BindingsTravelOverTlsWithTheServerVerified) {
  test::Telemetry telemetry;  // the Redis client of a redis:// state reports into it
  TempDir dir;
  ASSERT_TRUE(make_pki(dir.path(), "good"));
  RedisServer redis(false, "s3cret", server_tls(dir.path(), "good", false));
  ASSERT_TRUE(redis.start()) << redis.log_path();
  auto state = open_state(redis.url(), dir.path(), telemetry.metrics, telemetry.events);
  ASSERT_TRUE(state.ok()) << state.message();
  ASSERT_TRUE(state.value().bindings->upsert(binding("sip:tls@ims.local")).ok());
  auto found = state.value().bindings->lookup("sip:tls@ims.local", kNow);
  ASSERT_TRUE(found.ok()) << found.message();
  ASSERT_EQ(found.value().size(), 1u);
  EXPECT_EQ(found.value()[0].source, "127.0.0.1:5070");
  // What redis-cli (over TLS, independently) sees is what we wrote.
  EXPECT_NE(redis.cli({"HVALS", "imsguard:b:sip:tls@ims.local"}).find("sip:x@127.0.0.1:5070"), std::string::npos);
}

TEST(RedisTlsLink, AServerSignedByAnotherCaIsRefusedWithTheReason) {
  test::Telemetry telemetry;  // the Redis client of a redis:// state reports into it
  TempDir dir;
  ASSERT_TRUE(make_pki(dir.path(), "good"));
  ASSERT_TRUE(make_pki(dir.path(), "rogue"));
  RedisServer rogue(false, "", server_tls(dir.path(), "rogue", false));
  ASSERT_TRUE(rogue.start()) << rogue.log_path();
  std::string url = "rediss://127.0.0.1:" + std::to_string(rogue.port()) + "/0?ca=" + dir.path() + "/good-ca.crt";
  auto state = open_state(url, dir.path(), telemetry.metrics, telemetry.events);
  ASSERT_FALSE(state.ok());
  EXPECT_EQ(state.code(), StoreErrc::kUnavailable);
  EXPECT_NE(state.message().find("server certificate rejected"), std::string::npos) << state.message();
  // A plain client to a TLS port fails too (no silent downgrade).
  auto plain = open_state("redis://127.0.0.1:" + std::to_string(rogue.port()) + "/0?timeout_ms=300", dir.path(), telemetry.metrics, telemetry.events);
  EXPECT_FALSE(plain.ok());
}

TEST(RedisTlsLink, ClientCertificateIsPresentedWhenTheServerRequiresOne) {
  test::Telemetry telemetry;  // the Redis client of a redis:// state reports into it
  TempDir dir;
  ASSERT_TRUE(make_pki(dir.path(), "good"));
  RedisServer redis(false, "", server_tls(dir.path(), "good", true));
  ASSERT_TRUE(redis.start()) << redis.log_path();
  auto without = open_state(redis.url("timeout_ms=1000"), dir.path(), telemetry.metrics, telemetry.events);
  ASSERT_FALSE(without.ok());
  auto with = open_state(redis.url("cert=" + dir.path() + "/good-client.crt&key=" + dir.path() + "/good-client.key"),
                         dir.path(), telemetry.metrics, telemetry.events);
  ASSERT_TRUE(with.ok()) << with.message();
  ASSERT_TRUE(with.value().bindings->upsert(binding("sip:mtls@ims.local")).ok());
  EXPECT_EQ(with.value().bindings->lookup("sip:mtls@ims.local", kNow).value().size(), 1u);
}

TEST(RedisTlsLink, MissingCaFileIsAClearError) {
  test::Telemetry telemetry;  // the Redis client of a redis:// state reports into it
  TempDir dir;
  auto state = open_state("rediss://127.0.0.1:1/0?ca=" + dir.path() + "/nowhere.crt", dir.path(), telemetry.metrics, telemetry.events);
  ASSERT_FALSE(state.ok());
  EXPECT_NE(state.message().find("nowhere.crt"), std::string::npos) << state.message();
}

}  // namespace
}  // namespace imsguard::store
