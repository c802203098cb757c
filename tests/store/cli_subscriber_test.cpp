// `imsguard subscriber ...` end to end: the built binary against a temp data directory.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "crypto/hex.h"
#include "store/sqlite_subscriber_store.h"
#include "temp_dir.h"

namespace {

using imsguard::store::testing::TempDir;

struct CliRun {
  int status = -1;
  std::string output;  // stdout and stderr
};

CliRun run(const std::string& args, const std::string& stdin_text = "") {
  std::string cmd = std::string(IMSGUARD_BIN) + " " + args + " 2>&1";
  if (!stdin_text.empty()) cmd = "printf '%s\\n' '" + stdin_text + "' | " + cmd;
  CliRun r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int status = ::pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

constexpr const char* kK = "465b5ce8b199b49faa5f0a2ee238a6bc";
constexpr const char* kOpc = "cd63cb71954a9f4e48a5994e37a02baf";

class SubscriberCliTest : public ::testing::Test {
 protected:
  std::string data() const { return " --data-dir " + dir_.file("data"); }
  CliRun add_digest(const std::string& name, const std::string& password = "s3cret-pw") {
    return run("subscriber add" + data() + " --impi " + name + "@ims.local --impu sip:" + name +
               "@ims.local --password " + password + " --service voice");
  }
  CliRun add_aka(const std::string& name) {
    return run("subscriber add" + data() + " --impi " + name + "@ims.local --impu sip:" + name +
               "@ims.local --impu tel:+15550100 --k " + kK + " --opc " + kOpc + " --amf 8000 --sqn 3f");
  }
  std::string write_file(const std::string& name, const std::string& text) {
    std::string path = dir_.file(name);
    std::ofstream(path) << text;
    return path;
  }

  TempDir dir_;
};

TEST_F(SubscriberCliTest, AddShowListNeverPrintSecrets) {
  ASSERT_EQ(add_digest("alice").status, 0);
  CliRun aka = add_aka("bob");
  ASSERT_EQ(aka.status, 0) << aka.output;

  CliRun show = run("subscriber show bob@ims.local" + data());
  ASSERT_EQ(show.status, 0) << show.output;
  EXPECT_NE(show.output.find("k=<set>"), std::string::npos) << show.output;
  EXPECT_NE(show.output.find("scheme=aka"), std::string::npos);
  EXPECT_NE(show.output.find("impu=tel:+15550100"), std::string::npos);
  EXPECT_NE(show.output.find("sqn=00000000003f"), std::string::npos) << show.output;
  EXPECT_NE(show.output.find("amf=8000"), std::string::npos);

  CliRun show_alice = run("subscriber show --impi alice@ims.local" + data());
  ASSERT_EQ(show_alice.status, 0) << show_alice.output;
  EXPECT_NE(show_alice.output.find("scheme=digest"), std::string::npos);
  EXPECT_NE(show_alice.output.find("ha1=<set>"), std::string::npos);
  EXPECT_NE(show_alice.output.find("services=voice"), std::string::npos);

  CliRun list = run("subscriber list" + data());
  ASSERT_EQ(list.status, 0) << list.output;
  EXPECT_EQ(list.output.find("alice@ims.local scheme=digest"), 0u) << list.output;
  EXPECT_NE(list.output.find("\nbob@ims.local scheme=aka"), std::string::npos) << list.output;

  for (const auto& out : {show.output, show_alice.output, list.output}) {
    EXPECT_EQ(out.find(kK), std::string::npos);
    EXPECT_EQ(out.find(kOpc), std::string::npos);
    EXPECT_EQ(out.find("s3cret-pw"), std::string::npos);
  }
  // No HA1 printed either: the MD5 HA1 of alice would be 32 hex digits after "ha1".
  EXPECT_EQ(show_alice.output.find("ha1_md5"), std::string::npos);
}

TEST_F(SubscriberCliTest, DatabaseIsPrivate) {
  ASSERT_EQ(add_digest("alice").status, 0);
  struct stat st {};
  ASSERT_EQ(::stat((dir_.file("data") + "/imsguard.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(dir_.file("data").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  // The password is not in the file: only HA1 values are.
  std::ifstream db(dir_.file("data") + "/imsguard.db", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(db)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes.find("s3cret-pw"), std::string::npos);
}

TEST_F(SubscriberCliTest, PasswordFromStdin) {
  CliRun r = run("subscriber add" + data() + " --impi carol@ims.local --impu sip:carol@ims.local --password-stdin",
              "from-stdin");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(run("subscriber show carol@ims.local" + data()).output.find("scheme=digest"), std::string::npos);
}

TEST_F(SubscriberCliTest, DuplicatesAndBadInputExit2) {
  ASSERT_EQ(add_digest("alice").status, 0);
  CliRun dup = add_digest("alice");
  EXPECT_EQ(dup.status, 2);
  EXPECT_NE(dup.output.find("already exists"), std::string::npos) << dup.output;

  CliRun dup_impu = run("subscriber add" + data() + " --impi other@ims.local --impu sip:alice@ims.local --password x");
  EXPECT_EQ(dup_impu.status, 2);
  EXPECT_NE(dup_impu.output.find("already belongs to 'alice@ims.local'"), std::string::npos) << dup_impu.output;

  CliRun bad_k = run("subscriber add" + data() + " --impi b@ims.local --impu sip:b@ims.local --k 12zz --opc " + kOpc);
  EXPECT_EQ(bad_k.status, 2);
  EXPECT_NE(bad_k.output.find("K must be 32 hex digits"), std::string::npos) << bad_k.output;

  CliRun neither = run("subscriber add" + data() + " --impi c@ims.local --impu sip:c@ims.local");
  EXPECT_EQ(neither.status, 2);

  CliRun missing = run("subscriber add" + data() + " --impu sip:c@ims.local --password x");
  EXPECT_EQ(missing.status, 2);
  EXPECT_EQ(run("subscriber list" + data()).output, run("subscriber list" + data() + " --limit 1").output);
}

TEST_F(SubscriberCliTest, UnknownImpiIsAClearError) {
  ASSERT_EQ(add_digest("alice").status, 0);
  for (const char* verb : {"show", "remove", "bar", "unbar"}) {
    CliRun r = run(std::string("subscriber ") + verb + " nobody@ims.local" + data());
    EXPECT_EQ(r.status, 2) << verb;
    EXPECT_NE(r.output.find("no subscriber with IMPI 'nobody@ims.local'"), std::string::npos) << r.output;
  }
  CliRun no_db = run("subscriber list --data-dir " + dir_.file("elsewhere"));
  EXPECT_EQ(no_db.status, 2);
  EXPECT_NE(no_db.output.find("no subscriber database"), std::string::npos) << no_db.output;
}

TEST_F(SubscriberCliTest, BarUnbarRemove) {
  ASSERT_EQ(add_digest("alice").status, 0);
  ASSERT_EQ(run("subscriber bar alice@ims.local" + data()).status, 0);
  EXPECT_NE(run("subscriber show alice@ims.local" + data()).output.find("barred=yes"), std::string::npos);
  EXPECT_NE(run("subscriber list" + data()).output.find("barred=yes"), std::string::npos);
  ASSERT_EQ(run("subscriber unbar alice@ims.local" + data()).status, 0);
  EXPECT_NE(run("subscriber show alice@ims.local" + data()).output.find("barred=no"), std::string::npos);
  ASSERT_EQ(run("subscriber remove alice@ims.local" + data()).status, 0);
  EXPECT_EQ(run("subscriber show alice@ims.local" + data()).status, 2);
  EXPECT_EQ(run("subscriber list" + data()).output, "");
}

TEST_F(SubscriberCliTest, ImportWithBadLinesImportsNothingUnlessSkipBad) {
  std::string csv = write_file("subs.csv",
                               "impi,impu,password,k,opc,amf,sqn,services\n"
                               "alice@ims.local,sip:alice@ims.local,pw,,,,,voice;video\n"
                               "bob@ims.local,sip:bob@ims.local,,00112233,,,,\n"
                               "carol@ims.local,sip:carol@ims.local,," + std::string(kK) + "," + kOpc +
                                   ",8000,20,\n"
                               "dave@ims.local,sip:alice@ims.local,pw,,,,,\n");
  CliRun strict = run("subscriber import " + csv + data());
  EXPECT_EQ(strict.status, 2) << strict.output;
  EXPECT_NE(strict.output.find(csv + ":3: "), std::string::npos) << strict.output;
  EXPECT_NE(strict.output.find(csv + ":5: IMPU 'sip:alice@ims.local' already on line 2"), std::string::npos)
      << strict.output;
  EXPECT_EQ(strict.output.find(csv + ":2:"), std::string::npos);
  EXPECT_NE(strict.output.find("nothing imported"), std::string::npos);
  EXPECT_EQ(run("subscriber list" + data()).output, "");

  CliRun lenient = run("subscriber import --skip-bad " + csv + data());
  EXPECT_EQ(lenient.status, 0) << lenient.output;
  EXPECT_NE(lenient.output.find("imported 2 subscriber(s)"), std::string::npos) << lenient.output;
  CliRun list = run("subscriber list" + data());
  EXPECT_NE(list.output.find("alice@ims.local scheme=digest"), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("services=voice;video"), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("carol@ims.local scheme=aka"), std::string::npos) << list.output;
  EXPECT_EQ(list.output.find("bob@"), std::string::npos);

  CliRun again = run("subscriber import " + csv + data());
  EXPECT_EQ(again.status, 2);
  EXPECT_NE(again.output.find(":2: IMPI 'alice@ims.local' already exists"), std::string::npos) << again.output;
}

TEST_F(SubscriberCliTest, ImportsTenThousandLines) {
  std::string text = "impi,impu,password\n";
  for (int i = 0; i < 10000; ++i) {
    std::string n = "user" + std::to_string(i) + "@ims.local";
    text += n + ",sip:" + n + ",pw" + std::to_string(i) + "\n";
  }
  std::string csv = write_file("big.csv", text);
  CliRun r = run("subscriber import " + csv + data());
  ASSERT_EQ(r.status, 0) << r.output.substr(0, 2000);
  EXPECT_NE(r.output.find("imported 10000 subscriber(s)"), std::string::npos) << r.output;
  CliRun list = run("subscriber list" + data());
  std::size_t lines = 0;
  for (char c : list.output) lines += c == '\n';
  EXPECT_EQ(lines, 10000u);
  CliRun page = run("subscriber list --offset 9999 --limit 5" + data());
  // Ordered by IMPI as text: the last line of the full list is the one page at offset 9999.
  std::size_t last = list.output.rfind('\n', list.output.size() - 2);
  EXPECT_EQ(page.output, list.output.substr(last + 1));
  EXPECT_EQ(page.output, "user9@ims.local scheme=digest realm=ims.local impus=sip:user9@ims.local "
                         "barred=no services=\n");
}

TEST_F(SubscriberCliTest, ImportMissingFileAndBadHeader) {
  CliRun missing = run("subscriber import " + dir_.file("nope.csv") + data());
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.output.find("cannot read"), std::string::npos) << missing.output;
  std::string csv = write_file("bad.csv", "impi,impu,pasword\na@x,sip:a@x,pw\n");
  CliRun header = run("subscriber import " + csv + data());
  EXPECT_EQ(header.status, 2);
  EXPECT_NE(header.output.find(":1: bad header: unknown column 'pasword'"), std::string::npos) << header.output;
}

// The four Milenage test sets (TS 35.208): `add --op` and a CSV `op` column must store the
// OPc the spec gives for that K and OP.
TEST_F(SubscriberCliTest, OpIsTurnedIntoOpcWithMilenage) {
  std::ifstream in(std::string(IMSGUARD_TESTDATA) + "/milenage/test_sets_1_4.json");
  ASSERT_TRUE(in) << "missing Milenage test sets";
  auto sets = nlohmann::json::parse(in);
  ASSERT_GE(sets.size(), 4u);
  std::string csv_text = "impi,impu,k,op,amf,sqn\n";
  for (const auto& set : sets) {
    std::string n = "set" + std::to_string(set["set"].get<int>());
    csv_text += "csv" + n + "@ims.local,sip:csv" + n + "@ims.local," + set["k"].get<std::string>() + "," +
                set["op"].get<std::string>() + "," + set["amf"].get<std::string>() + "," +
                set["sqn"].get<std::string>() + "\n";
    CliRun r = run("subscriber add" + data() + " --impi " + n + "@ims.local --impu sip:" + n + "@ims.local --k " +
                   set["k"].get<std::string>() + " --op " + set["op"].get<std::string>());
    ASSERT_EQ(r.status, 0) << r.output;
  }
  CliRun imported = run("subscriber import " + write_file("op.csv", csv_text) + data());
  ASSERT_EQ(imported.status, 0) << imported.output;

  auto store = imsguard::store::SqliteSubscriberStore::open(dir_.file("data") + "/imsguard.db");
  ASSERT_TRUE(store.ok()) << store.message();
  for (const auto& set : sets) {
    std::string n = "set" + std::to_string(set["set"].get<int>());
    for (const std::string& impi : {n + "@ims.local", "csv" + n + "@ims.local"}) {
      auto s = store.value()->find(impi);
      ASSERT_TRUE(s.ok() && s.value().has_value()) << impi;
      EXPECT_EQ(imsguard::crypto::to_hex(s.value()->opc), set["opc"].get<std::string>()) << impi;
    }
  }
  CliRun both = run("subscriber add" + data() + " --impi x@ims.local --impu sip:x@ims.local --k " +
                    std::string(kK) + " --opc " + kOpc + " --op " + kOpc);
  EXPECT_EQ(both.status, 2);
}

}  // namespace
