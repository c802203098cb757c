// `imsguard check-config` catches what `imsguard run` would fail on (issue 19, point 4), and
// a start that fails names the listener and leaves no half-made data directory (points 4, 5).
// Each case runs the real binary on a file written here.
#include "crypto/hash.h"
#include "cli_run.h"
#include "imsguard_process.h"

#include <gtest/gtest.h>

#include <filesystem>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

CliRun cli(const std::string& dir, const std::vector<std::string>& args) { return run_imsguard(dir, args); }

// A minimal valid file for this test's directory; `extra` appended (top-level sections).
std::string config_file(const std::string& dir, const std::string& extra, const std::string& listen = "127.0.0.1",
                        const std::string& data_dir = "") {
  std::string path = dir + "/c-" + std::to_string(std::hash<std::string>{}(extra + listen + data_dir)) + ".yaml";
  write_file(path, "roles: [edge, core]\ndata_dir: " + (data_dir.empty() ? dir + "/data" : data_dir) +
                       "\nevents: { output: none }\nsip:\n  listen:\n    - { transport: udp, address: " + listen +
                       ", port: " + std::to_string(free_port()) + " }\n" + extra);
  return path;
}

void expect_refused(const CliRun& r, const std::vector<std::string>& needles) {
  EXPECT_EQ(r.status, 2) << r.output;
  for (const auto& n : needles) EXPECT_NE(r.output.find(n), std::string::npos) << "missing '" << n << "' in\n" << r.output;
}

}  // namespace

TEST(CheckConfigE2e, AValidFilePassesAndEffectivePrintsEveryDefault) {
  std::string dir = make_temp_dir("imsguard-check");
  std::string file = config_file(dir, "");
  auto ok = cli(dir, {"check-config", file});
  EXPECT_EQ(ok.status, 0) << ok.output;
  EXPECT_NE(ok.output.find("configuration OK"), std::string::npos) << ok.output;
  EXPECT_FALSE(std::filesystem::exists(dir + "/data")) << "check-config creates nothing";

  auto eff = cli(dir, {"check-config", "--effective", file});
  ASSERT_EQ(eff.status, 0) << eff.output;
  for (const char* needle : {"servicebox:", "name: media", "max_transactions: 1048576", "digest_algorithms: [SHA-256, MD5]",
                             "order: [banlist, flood, scanner, ratelimit, bruteforce, overload]", "level: info"})
    EXPECT_NE(eff.output.find(needle), std::string::npos) << needle << "\n" << eff.output;
  // What it prints is itself a valid configuration.
  write_file(dir + "/effective.yaml", eff.output);
  EXPECT_EQ(cli(dir, {"check-config", "--no-host-checks", dir + "/effective.yaml"}).status, 0);

  // --schema-markdown prints the key table of docs/configuration.md (the schema's, unit-tested).
  auto table = cli(dir, {"check-config", "--schema-markdown"});
  EXPECT_EQ(table.status, 0) << table.output;
  EXPECT_EQ(table.output.rfind("| key | default | values | reload | meaning |\n", 0), 0u) << table.output;
  EXPECT_NE(table.output.find("| `guards.flood.window_s` | `2` | 1 to 3600 | SIGHUP |"), std::string::npos) << table.output;
}

TEST(CheckConfigE2e, ListenerAddressesThisHostCannotBind) {
  std::string dir = make_temp_dir("imsguard-check");
  expect_refused(cli(dir, {"check-config", config_file(dir, "", "192.0.2.77")}),
                 {"sip.listen[0] (udp 192.0.2.77:", "not an address of this host"});
  expect_refused(cli(dir, {"check-config", config_file(dir, "", "localhost")}),
                 {"sip.listen[0]", "'localhost' is not an IP address"});
  expect_refused(cli(dir, {"check-config", config_file(dir, "admin: { listen: { address: 192.0.2.78, port: 9999 }, token: 0123456789abcdef0123 }\n")}),
                 {"admin.listen (tcp 192.0.2.78:9999)", "not an address of this host"});
}

TEST(CheckConfigE2e, RunFailureNamesTheListenerAndLeavesNoDataDir) {
  std::string dir = make_temp_dir("imsguard-check");
  std::string data = dir + "/fresh/data";
  std::string file = config_file(dir, "", "192.0.2.77", data);
  auto run = cli(dir, {"run", "--config", file, "--duration", "5"});
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_NE(run.output.find("udp 192.0.2.77:"), std::string::npos) << run.output;
  EXPECT_FALSE(std::filesystem::exists(data)) << "a failed start removes the data directory it created";
  // A data directory that existed before is left alone (and what was in it).
  std::filesystem::create_directories(data);
  write_file(data + "/keep.txt", "x");
  EXPECT_EQ(cli(dir, {"run", "--config", file, "--duration", "5"}).status, 1);
  EXPECT_TRUE(std::filesystem::exists(data + "/keep.txt"));
}

TEST(CheckConfigE2e, CertificateFilesMissingOrNotMatchingTheirKey) {
  std::string dir = make_temp_dir("imsguard-check");
  std::string pki = dir + "/pki";
  ASSERT_EQ(cli(dir, {"pki", "init", "--dir", pki}).status, 0);
  ASSERT_EQ(cli(dir, {"pki", "issue", "--dir", pki, "--name", "a", "--san", "127.0.0.1"}).status, 0);
  ASSERT_EQ(cli(dir, {"pki", "issue", "--dir", pki, "--name", "b", "--san", "127.0.0.1"}).status, 0);
  auto with_tls = [&](const std::string& cert, const std::string& key) {
    std::string path = dir + "/tls-" + std::to_string(std::hash<std::string>{}(cert + key)) + ".yaml";
    write_file(path, "roles: [edge]\ndata_dir: " + dir + "/data\nevents: { output: none }\nsip:\n  listen:\n"
                     "    - { transport: tls, address: 127.0.0.1, port: " + std::to_string(free_port()) + " }\n"
                     "tls: { ca: " + pki + "/ca.crt, cert: " + cert + ", key: " + key + " }\n");
    return path;
  };
  EXPECT_EQ(cli(dir, {"check-config", with_tls(pki + "/a.crt", pki + "/a.key")}).status, 0);
  expect_refused(cli(dir, {"check-config", with_tls(pki + "/missing.crt", pki + "/a.key")}),
                 {"tls.cert: cannot read " + pki + "/missing.crt"});
  expect_refused(cli(dir, {"check-config", with_tls(pki + "/a.crt", pki + "/b.key")}), {"tls: ", pki + "/b.key"});
  expect_refused(cli(dir, {"check-config", with_tls(pki + "/a.crt", "")}), {"tls.key: empty"});
}

TEST(CheckConfigE2e, DataDirAndEventPathsRunMustWrite) {
  std::string dir = make_temp_dir("imsguard-check");
  write_file(dir + "/a-file", "x");
  expect_refused(cli(dir, {"check-config", config_file(dir, "", "127.0.0.1", dir + "/a-file")}),
                 {"data_dir: " + dir + "/a-file exists and is not a directory"});
  expect_refused(cli(dir, {"check-config", config_file(dir, "", "127.0.0.1", dir + "/a-file/below")}),
                 {"data_dir: ", "a-file", "not a directory"});
  std::string events = config_file(dir, "");
  std::string text = read_file(events);
  text.replace(text.find("output: none"), 12, "output: " + dir + "/no-such-dir/events.jsonl");
  write_file(events, text);
  expect_refused(cli(dir, {"check-config", events}), {"events.output: the directory " + dir + "/no-such-dir does not exist"});
}

TEST(CheckConfigE2e, RulesBetweenKeysAndTheAdminToken) {
  std::string dir = make_temp_dir("imsguard-check");
  expect_refused(cli(dir, {"check-config", config_file(dir, "registrar: { default_expires_s: 30 }\n")}),
                 {"registrar.default_expires_s", "between min_expires_s (60) and max_expires_s (7200)"});
  expect_refused(cli(dir, {"check-config", config_file(dir, "admin: { token: short }\n")}),
                 {"admin.token", "at least 16"});
  expect_refused(cli(dir, {"check-config", config_file(dir, "auth: { aka: false, digest: false }\n")}),
                 {"no subscriber could register"});
  expect_refused(cli(dir, {"check-config", config_file(dir, "core: { scscf: 'sip:scscf.example:5060' }\n")}),
                 {"core.scscf"});
  expect_refused(cli(dir, {"check-config", config_file(dir, "identity: { strip_client_asserted: true }\n")}),
                 {"identity.strip_client_asserted", "removed key"});
}

// A Redis URL is checked by the parser `run` opens the store with: what check-config passes,
// `run` can open (before, only the scheme was checked and `run` failed at start). The
// password never appears in the message.
TEST(CheckConfigE2e, ARedisUrlRunWouldRefuseIsRefusedWithItsReason) {
  std::string dir = make_temp_dir("imsguard-check");
  auto with_state = [&](const std::string& url) { return config_file(dir, "state: \"" + url + "\"\n"); };
  auto port = cli(dir, {"check-config", with_state("redis://:s3cret-pw@127.0.0.1:99999/0")});
  expect_refused(port, {"state", "port '99999' is not 1-65535"});
  EXPECT_EQ(port.output.find("s3cret-pw"), std::string::npos) << port.output;
  expect_refused(cli(dir, {"check-config", with_state("redis://127.0.0.1:6379/0?tls=maybe")}), {"state", "tls must be 0 or 1"});
  expect_refused(cli(dir, {"check-config", with_state("redis://127.0.0.1:6379/0?ca=/x.pem")}), {"state", "without TLS"});
  expect_refused(cli(dir, {"check-config", with_state("postgres://127.0.0.1/x")}), {"state", "unknown state backend"});
  EXPECT_EQ(cli(dir, {"check-config", with_state("redis://127.0.0.1:6379/2?timeout_ms=200&pool=2")}).status, 0);
  // The same URL is what `run` refuses: one parser, one answer.
  auto run = cli(dir, {"run", "--config", with_state("redis://127.0.0.1:6379/0?tls=maybe"), "--duration", "5"});
  EXPECT_NE(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("tls must be 0 or 1"), std::string::npos) << run.output;
}

TEST(CheckConfigE2e, ServicesTheStoredSubscribersUseMustExist) {
  std::string dir = make_temp_dir("imsguard-check");
  std::string data = dir + "/data";
  ASSERT_EQ(cli(dir, {"subscriber", "add", "--data-dir", data, "--impi", "carol@ims.local", "--impu", "sip:carol@ims.local",
                      "--password", "secret-carol", "--service", "voice"})
                .status,
            0);
  std::string file = dir + "/with-servicebox.yaml";
  write_file(file, "roles: [edge, core, servicebox]\ndata_dir: " + data + "\nevents: { output: none }\nsip:\n  listen:\n"
                   "    - { transport: udp, address: 127.0.0.1, port: " + std::to_string(free_port()) + " }\n"
                   "servicebox:\n  sip_listen: { address: 127.0.0.1, port: " + std::to_string(free_port()) + " }\n"
                   "  https_listen: { address: 127.0.0.1, port: " + std::to_string(free_port()) + " }\n");
  expect_refused(cli(dir, {"check-config", file}), {"subscriber carol@ims.local", "voice"});
  // run fails on the same thing (and leaves the existing data directory).
  auto run = cli(dir, {"run", "--config", file, "--duration", "5"});
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_NE(run.output.find("voice"), std::string::npos) << run.output;
  EXPECT_TRUE(std::filesystem::exists(data + "/imsguard.db"));
}

TEST(StoreErrorsE2e, AReadOnlyDataDirIsNamedAtStartNotAtTheFirstRegistration) {
  // The data directory holds a real store; a mount namespace of the test makes it read-only.
  std::string dir = make_temp_dir("imsguard-ro");
  std::string data = dir + "/data";
  ASSERT_EQ(cli(dir, {"subscriber", "add", "--data-dir", data, "--impi", "dave@ims.local", "--impu", "sip:dave@ims.local",
                      "--password", "secret-dave"})
                .status,
            0);
  std::string file = config_file(dir, "", "127.0.0.1", data);
  std::string script = "mount --bind " + data + " " + data + " && mount -o remount,bind,ro " + data + " && exec " +
                       IMSGUARD_BIN + " run --config " + file + " --duration 5";
  auto run = cli(dir, {"--version"});  // the binary runs at all
  ASSERT_EQ(run.status, 0) << run.output;
  ChildProcess p;
  ASSERT_TRUE(p.start({"/usr/bin/unshare", "-m", "sh", "-c", script}, dir + "/ro.log"));
  int status = p.wait(30s);
  std::string log = read_file(dir + "/ro.log");
  EXPECT_EQ(status, 1) << log;
  EXPECT_NE(log.find("data_dir: " + data + " is read-only"), std::string::npos) << log;
  EXPECT_TRUE(std::filesystem::exists(data + "/imsguard.db")) << "an existing store is never removed";
}

TEST(DemoE2e, AConfigFilesStoreGetsNoDemoAccountsUnlessAsked) {
  std::string dir = make_temp_dir("imsguard-demo");
  std::string data = dir + "/data";
  std::string file = dir + "/prod.yaml";
  auto write_config = [&] {
    write_file(file, "roles: [edge]\ndata_dir: " + data + "\nevents: { output: " + dir + "/events.jsonl }\nsip:\n  listen:\n"
                     "    - { transport: udp, address: 127.0.0.1, port: " + std::to_string(free_port()) + " }\n");
  };
  write_config();
  auto prod = cli(dir, {"run", "--config", file, "--duration", "2"});
  ASSERT_EQ(prod.status, 0) << prod.output;
  EXPECT_FALSE(std::filesystem::exists(data + "/demo-subscribers.txt"));
  EXPECT_EQ(prod.output.find("demo subscribers"), std::string::npos) << prod.output;
  EXPECT_NE(prod.output.find("security events: " + dir + "/events.jsonl"), std::string::npos) << prod.output;
  EXPECT_NE(prod.output.find("state: " + data + "/imsguard.db"), std::string::npos) << prod.output;
  auto list = cli(dir, {"subscriber", "list", "--data-dir", data});
  EXPECT_EQ(list.status, 0) << list.output;
  EXPECT_EQ(list.output.find("alice"), std::string::npos) << list.output;
  EXPECT_EQ(list.output.find("bob"), std::string::npos) << list.output;

  // --demo seeds the empty store and the banner names the file, which exists.
  write_config();
  auto demo = cli(dir, {"run", "--demo", "--config", file, "--duration", "2"});
  ASSERT_EQ(demo.status, 0) << demo.output;
  EXPECT_TRUE(std::filesystem::exists(data + "/demo-subscribers.txt"));
  EXPECT_NE(demo.output.find("demo subscribers (digest and IMS AKA credentials): " + data + "/demo-subscribers.txt"),
            std::string::npos)
      << demo.output;
  EXPECT_NE(cli(dir, {"subscriber", "list", "--data-dir", data}).output.find("alice@ims.local"), std::string::npos);
}

TEST(SubscriberSetE2e, ChangesServicesAndPasswordRefusingUnknownServicesAtOnce) {
  std::string dir = make_temp_dir("imsguard-set");
  std::string data = dir + "/data";
  ASSERT_EQ(cli(dir, {"subscriber", "add", "--data-dir", data, "--impi", "erin@ims.local", "--impu", "sip:erin@ims.local",
                      "--password", "first-password", "--service", "media"})
                .status,
            0);
  auto before = cli(dir, {"subscriber", "show", "--data-dir", data, "erin@ims.local"}).output;
  expect_refused(cli(dir, {"subscriber", "set", "--data-dir", data, "erin@ims.local", "--service", "voice"}),
                 {"unknown service 'voice'", "media, messaging, content"});
  auto set = cli(dir, {"subscriber", "set", "--data-dir", data, "erin@ims.local", "--service", "messaging", "--service",
                       "content", "--password", "second-password"});
  ASSERT_EQ(set.status, 0) << set.output;
  auto after = cli(dir, {"subscriber", "show", "--data-dir", data, "erin@ims.local"}).output;
  EXPECT_NE(after.find("services=messaging;content"), std::string::npos) << after;
  EXPECT_NE(before.find("services=media"), std::string::npos) << before;
  // The stored HA1 is the new password's.
  auto ha1 = cli(dir, {"--version"});  // keeps the numbering of logs simple
  ChildProcess q;
  ASSERT_TRUE(q.start({"/usr/bin/sqlite3", data + "/imsguard.db",
                       "SELECT ha1_sha256 FROM subscribers WHERE impi='erin@ims.local'"},
                      dir + "/ha1.log"));
  ASSERT_EQ(q.wait(30s), 0);
  std::string stored = read_file(dir + "/ha1.log");
  using imsguard::crypto::HashAlgorithm;
  EXPECT_NE(stored.find(imsguard::crypto::digest_ha1(HashAlgorithm::kSha256, "erin@ims.local", "ims.local", "second-password")),
            std::string::npos)
      << stored;
  EXPECT_EQ(stored.find(imsguard::crypto::digest_ha1(HashAlgorithm::kSha256, "erin@ims.local", "ims.local", "first-password")),
            std::string::npos);
  // AKA keys are refused for a digest subscriber.
  expect_refused(cli(dir, {"subscriber", "set", "--data-dir", data, "erin@ims.local", "--k",
                           "000102030405060708090a0b0c0d0e0f", "--opc", "000102030405060708090a0b0c0d0e0f"}),
                 {"digest subscriber"});
}
