// Real attack tools against a real `imsguard run` on loopback: Debian's sipvicious (svmap,
// svwar, svcrack). Each run is bounded (tool options and a wall-clock limit).
#include "imsguard_process.h"

#include <gtest/gtest.h>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

struct ToolRun {
  int rc = -1;
  std::string output;
};

ToolRun run(const std::vector<std::string>& argv, const std::string& log, std::chrono::seconds limit = 90s) {
  ChildProcess p;
  ToolRun r;
  if (!p.start(argv, log)) return r;
  r.rc = p.wait(limit);
  if (r.rc == -2) p.kill_hard();
  r.output = read_file(log);
  return r;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class Sipvicious : public ::testing::Test {
 protected:
  // Subscribers 1005, 1500 and 1999 exist (digest); the scans cover 1000-1999.
  void start(const std::string& guards_yaml) {
    dir_ = make_temp_dir("imsguard-sipvicious");
    std::string provisioning = "impi,impu,password\n";
    for (const char* u : {"1005", "1500", "1999"})
      provisioning += std::string(u) + "@ims.local,sip:" + u + "@ims.local," + password_ + "\n";
    write_file(dir_ + "/subscribers.csv", provisioning);
    ToolRun p = run({IMSGUARD_BIN, "subscriber", "import", "--data-dir", dir_, dir_ + "/subscribers.csv"}, dir_ + "/provision.log");
    ASSERT_EQ(p.rc, 0) << p.output;
    ImsguardOptions o;
    o.data_dir = dir_;
    o.tls = false;
    o.digest_algorithms = "[MD5, SHA-256]";  // sipvicious speaks MD5 only
    o.extra_yaml = guards_yaml;
    ASSERT_TRUE(edge_.start(o)) << edge_.log();
  }
  std::string target() const { return "127.0.0.1"; }
  std::string port() const { return std::to_string(edge_.sip_port()); }

  std::string dir_;
  std::string password_ = "Tr0ub4dor-3";
  ImsguardProcess edge_;
};

TEST_F(Sipvicious, SvmapLearnsNothingAndItsSourceIsBanned) {
  start("");
  ToolRun r = run({"/usr/bin/svmap", target(), "-p", port(), "--timeout", "0.5"}, dir_ + "/svmap.log", 60s);
  ASSERT_NE(r.rc, -2) << "svmap did not finish";
  // svmap prints one table row per SIP device found; the edge never answers it.
  EXPECT_EQ(r.output.find(target() + ":" + port()), std::string::npos) << r.output;
  std::string events = edge_.events();
  EXPECT_NE(events.find("\"guard\":\"scanner\""), std::string::npos) << events;
  EXPECT_NE(events.find("\"action\":\"ban\""), std::string::npos) << events;
  EXPECT_NE(events.find("friendly-scanner"), std::string::npos) << events;
  // The ban is visible through the admin command, with its reason.
  ToolRun list = run({IMSGUARD_BIN, "ban", "list", "--data-dir", dir_}, dir_ + "/ban-list.log", 20s);
  EXPECT_EQ(list.rc, 0) << list.output;
  EXPECT_NE(list.output.find("127.0.0.1 ttl="), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("by=scanner"), std::string::npos) << list.output;
  // ... and can be lifted without a restart.
  ToolRun rm = run({IMSGUARD_BIN, "ban", "remove", "127.0.0.1", "--data-dir", dir_}, dir_ + "/ban-rm.log", 20s);
  EXPECT_EQ(rm.rc, 0) << rm.output;
  ToolRun again = run({IMSGUARD_BIN, "ban", "list", "--data-dir", dir_}, dir_ + "/ban-list2.log", 20s);
  EXPECT_EQ(again.output.find("127.0.0.1 ttl="), std::string::npos) << again.output;
}

// With the fingerprint guard on, svwar is dropped at its first request.
TEST_F(Sipvicious, SvwarOverAThousandExtensionsFindsNone) {
  start("");
  ToolRun r = run({"/usr/bin/svwar", "-e1000-1999", "-m", "REGISTER", "-p", port(), "--timeout", "0.2",
               "--maximumtime", "10", "--force", target()},
              dir_ + "/svwar.log", 120s);
  ASSERT_NE(r.rc, -2) << "svwar did not finish";
  for (const char* u : {"1005", "1500", "1999"})
    EXPECT_EQ(r.output.find(std::string("| ") + u), std::string::npos) << r.output;
  EXPECT_NE(edge_.events().find("\"guard\":\"scanner\""), std::string::npos);
}

// With the scanner guard off (as if the tool lied about itself), the authenticator's
// anti-enumeration still gives svwar nothing: existing, unknown and barred users all get
// the same challenge.
TEST_F(Sipvicious, SvwarFindsNoneWithTheScannerGuardOff) {
  start("guards:\n  scanner: { enabled: false }\n  ratelimit: { enabled: false }\n");
  ToolRun r = run({"/usr/bin/svwar", "-e1000-1999", "-m", "REGISTER", "-p", port(), "--timeout", "0.2",
               "--maximumtime", "10", "--force", target()},
              dir_ + "/svwar.log", 120s);
  ASSERT_NE(r.rc, -2) << "svwar did not finish";
  for (const char* u : {"1005", "1500", "1999"})
    EXPECT_EQ(r.output.find(std::string("| ") + u), std::string::npos) << r.output;
}

TEST_F(Sipvicious, SvcrackNeverFindsThePasswordAndIsLockedOut) {
  // Fingerprints off so the brute-force defence itself is what stops the tool.
  start("guards:\n  scanner: { enabled: false }\n"
        "  bruteforce: { enabled: true, max_failures: 5, window_s: 300, lockout_s: 60, backoff_factor: 2,"
        " max_lockout_s: 3600, per_impi_distributed: 20, max_challenges_per_impi: 30, max_resyncs: 3 }\n");
  std::string dict;
  for (int i = 0; i < 60; ++i) dict += "guess" + std::to_string(i) + "\n";
  dict += password_ + "\n";
  write_file(dir_ + "/dict.txt", dict);
  ToolRun r = run({"/usr/bin/svcrack", "-u", "1005", "-d", dir_ + "/dict.txt", "-p", port(), "--timeout", "0.2",
               "--maximumtime", "10", "--domain", "ims.local", target()},
              dir_ + "/svcrack.log", 120s);
  ASSERT_NE(r.rc, -2) << "svcrack did not finish";
  EXPECT_EQ(r.output.find(password_), std::string::npos) << r.output;
  std::string events = edge_.events();
  EXPECT_NE(events.find("\"action\":\"lockout\""), std::string::npos) << events;
  // Locked out within the configured count: no more than max_failures wrong answers reached
  // the authenticator from this source.
  EXPECT_LE(count(events, "\"guard\":\"auth\""), 5u) << events;
}

}  // namespace
