// Runs the built `imsguard aka ...` against the Milenage known answers (no ports involved).
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <map>
#include <sstream>
#include <string>

#include "testdata.h"

namespace imsguard::crypto {
namespace {

struct CmdRun {
  int status = -1;
  std::string out;  // stdout and stderr together
};

CmdRun run(const std::string& args) {
  CmdRun r;
  std::string cmd = std::string(IMSGUARD_BIN) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 512> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::map<std::string, std::string> key_values(const std::string& out) {
  std::map<std::string, std::string> kv;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq != std::string::npos) kv[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return kv;
}

std::string str(const nlohmann::json& j, const char* key) { return j[key].get<std::string>(); }

TEST(CmdAka, VectorPrintsEveryKnownAnswerWithOpAndOpc) {
  auto sets = testing::milenage_sets();
  ASSERT_TRUE(sets.is_array());
  ASSERT_EQ(sets.size(), 4u);
  for (const auto& s : sets) {
    SCOPED_TRACE("set " + std::to_string(s["set"].get<int>()));
    for (std::string op_arg : {"--op " + str(s, "op"), "--opc " + str(s, "opc")}) {
      CmdRun r = run("aka vector --k " + str(s, "k") + " " + op_arg + " --rand " + str(s, "rand") + " --sqn " +
                  str(s, "sqn") + " --amf " + str(s, "amf"));
      ASSERT_EQ(r.status, 0) << r.out;
      auto kv = key_values(r.out);
      EXPECT_EQ(kv.size(), 9u) << r.out;
      EXPECT_EQ(kv["opc"], str(s, "opc"));
      EXPECT_EQ(kv["mac_a"], str(s, "f1"));
      EXPECT_EQ(kv["mac_s"], str(s, "f1star"));
      EXPECT_EQ(kv["res"], str(s, "f2"));
      EXPECT_EQ(kv["ck"], str(s, "f3"));
      EXPECT_EQ(kv["ik"], str(s, "f4"));
      EXPECT_EQ(kv["ak"], str(s, "f5"));
      EXPECT_EQ(kv["ak_star"], str(s, "f5star"));
      // AUTN = (SQN xor AK) || AMF || MAC-A.
      auto sqn = testing::jarr<6>(s["sqn"]);
      auto ak = testing::jarr<6>(s["f5"]);
      std::array<uint8_t, 6> conc{};
      for (size_t i = 0; i < 6; ++i) conc[i] = sqn[i] ^ ak[i];
      EXPECT_EQ(kv["autn"], to_hex(conc) + str(s, "amf") + str(s, "f1"));
    }
  }
}

TEST(CmdAka, AutsMatchesDerivedVector) {
  auto sets = testing::milenage_sets();
  auto doc = testing::digest_vectors();
  const auto* v = testing::find_vector(doc, "derived-aka-resync-auts-milenage-set1");
  ASSERT_NE(v, nullptr);
  ASSERT_TRUE(sets.is_array() && !sets.empty());
  const auto& s = sets[0];
  CmdRun r = run("aka auts --k " + str(s, "k") + " --op " + str(s, "op") + " --rand " + str(s, "rand") +
              " --sqn-ms " + str(*v, "sqn_ms"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, "auts=" + str(*v, "auts_hex") + "\n");
}

TEST(CmdAka, BadInputNamesOptionAndLengthWithStatus2) {
  const std::string k = "465b5ce8b199b49faa5f0a2ee238a6bc", op = "cdc202d5123e20f62b6d676ac72cb318",
                    rand = "23553cbe9637a89d218ae64dae47bf35";
  struct Case {
    std::string args;
    std::string expect;
  } cases[] = {
      {"aka vector --k 465b --op " + op + " --rand " + rand + " --sqn ff9bb4d0b607 --amf b9b9", "--k must be 16 bytes"},
      {"aka vector --k " + k + " --op " + op + " --rand " + rand + " --sqn ff9bb4d0b6 --amf b9b9", "--sqn must be 6 bytes (12 hex digits)"},
      {"aka vector --k " + k + " --op " + op + " --rand " + rand + " --sqn ff9bb4d0b607 --amf b9bx", "--amf must be 2 bytes (4 hex digits)"},
      {"aka vector --k " + k + " --opc zz" + op.substr(2) + " --rand " + rand + " --sqn ff9bb4d0b607 --amf b9b9", "--opc must be 16 bytes"},
      {"aka vector --k " + k + " --op " + op + " --rand 123 --sqn ff9bb4d0b607 --amf b9b9", "--rand must be 16 bytes"},
      {"aka vector --k " + k + " --rand " + rand + " --sqn ff9bb4d0b607 --amf b9b9", "exactly one of --op or --opc"},
      {"aka vector --k " + k + " --op " + op + " --opc " + op + " --rand " + rand + " --sqn ff9bb4d0b607 --amf b9b9", "exactly one of --op or --opc"},
      {"aka auts --k " + k + " --op " + op + " --rand " + rand + " --sqn-ms 00", "--sqn-ms must be 6 bytes"},
      {"aka vector --k " + k + " --op " + op + " --rand " + rand + " --amf b9b9", "--sqn"},  // missing option
  };
  for (const auto& c : cases) {
    CmdRun r = run(c.args);
    EXPECT_EQ(r.status, 2) << c.args << "\n" << r.out;
    EXPECT_NE(r.out.find(c.expect), std::string::npos) << c.args << "\n" << r.out;
  }
}

}  // namespace
}  // namespace imsguard::crypto
