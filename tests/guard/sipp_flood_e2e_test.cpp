// sipp floods against a real `imsguard run` (bench/flood/flood.sh, loopback only, bounded by
// sipp -m and timeout) while a legitimate sipp registers: at least 99 % of the legitimate
// registrations must succeed, from one flood source and from 256 (127.0.1.0/24, valid Via,
// each source far under the per-source limit, so every flood message is challenged until
// the per-prefix detector bans the /24).
#include "imsguard_process.h"

#include <gtest/gtest.h>

#include <regex>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

std::string flood(const std::string& naddr, const std::string& rate, std::string& log) {
  std::string dir = make_temp_dir("imsguard-flood-e2e");
  log = dir + "/flood.log";
  ChildProcess p;
  std::vector<std::string> argv = {"/usr/bin/env", "NADDR=" + naddr, "FLOOD_RATE=" + rate, "TOTAL=15",
                                   "FLOOD_DURATION=8", "PORT=" + std::to_string(free_port()),
                                   std::string(IMSGUARD_SOURCE_DIR) + "/bench/flood/flood.sh", IMSGUARD_BIN};
  if (!p.start(argv, log)) return {};
  if (p.wait(150s) == -2) p.kill_hard();
  return read_file(log);
}

double field(const std::string& out, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex(name + "=([0-9.]+)"))) return -1;
  return std::stod(m[1]);
}

TEST(SippFlood, OneSourceLegitimateRegistrationsSucceed) {
  std::string log;
  std::string out = flood("1", "3000", log);
  ASSERT_NE(out.find("RESULT imsguard flood"), std::string::npos) << out;
  EXPECT_GE(field(out, "legit_success"), 0.99) << out;
  double sent = field(out, "flood_sent"), seen = field(out, "flood_answers_seen");
  EXPECT_GT(sent, 1000) << out;
  EXPECT_LT(seen, sent * 0.10) << out;
}

TEST(SippFlood, TwoHundredFiftySixSourcesLegitimateRegistrationsSucceed) {
  std::string log;
  std::string out = flood("256", "4000", log);
  ASSERT_NE(out.find("RESULT imsguard flood"), std::string::npos) << out;
  EXPECT_GE(field(out, "legit_success"), 0.99) << out;
  double sent = field(out, "flood_sent"), seen = field(out, "flood_answers_seen");
  EXPECT_GT(sent, 1000) << out;
  EXPECT_LT(seen, sent * 0.10) << out;
  // The flood guard banned the flooders' /24 (the event lines flood.sh prints).
  EXPECT_NE(out.find(R"("guard":"flood","source":"127.0.1.0/24","identity":"","action":"ban")"), std::string::npos)
      << out;
}

}  // namespace
