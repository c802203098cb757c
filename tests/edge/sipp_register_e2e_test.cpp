// Registration driven by a real peer: Debian's sipp registers against `imsguard run` with
// SIP Digest and with IMS AKA (its own Milenage), and a wrong password is challenged again,
// never accepted. sipp only takes MD5 or AKAv1-MD5 as the first challenge, so the edge runs
// with the MD5-first order here.
#include "crypto/hex.h"
#include "crypto/milenage.h"
#include "imsguard_process.h"

#include <gtest/gtest.h>

#include <regex>

using namespace imsguard;
using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

// Runs a command to completion (bounded) and returns its exit status (-2 on timeout).
int run(const std::vector<std::string>& argv, const std::string& log, std::chrono::seconds limit = 60s) {
  ChildProcess p;
  if (!p.start(argv, log)) return -1;
  int rc = p.wait(limit);
  if (rc == -2) p.kill_hard();
  return rc;
}

// The shutdown summary's count of authentications with `result` and `scheme`; -1 when absent
// (the summary lists only counters above zero; it is printed once the edge has stopped).
int auth_count(const std::string& log, const std::string& result, const std::string& scheme) {
  std::smatch m;
  if (!std::regex_search(log, m, std::regex("imsguard_auth_total\\{result=\"" + result + "\",scheme=\"" + scheme +
                                            "\"\\} (\\d+)")))
    return -1;
  return std::stoi(m[1]);
}

int auth_successes(const std::string& log, const std::string& scheme) { return auth_count(log, "ok", scheme); }

class SippRegister : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("imsguard-sipp");
    std::string provisioning = "impi,impu,password\n";
    for (int i = 0; i < 20; ++i) {
      std::string u = "user" + std::to_string(i);
      provisioning += u + ",sip:" + u + "@ims.local,pw-" + u + "\n";
      csv_ += u + ";pw-" + u + ";ims.local\n";
    }
    write_file(dir_ + "/subscribers.csv", provisioning);
    ASSERT_EQ(run({IMSGUARD_BIN, "subscriber", "import", "--data-dir", dir_, dir_ + "/subscribers.csv"},
                  dir_ + "/provision.log"),
              0)
        << read_file(dir_ + "/provision.log");
    write_file(dir_ + "/users.csv", "SEQUENTIAL\n" + csv_);
    ImsguardOptions o;
    o.data_dir = dir_;
    o.tls = false;
    o.digest_algorithms = "[MD5, SHA-256]";
    ASSERT_TRUE(edge_.start(o)) << edge_.log();
  }

  // `port`: sipp's local port (0: any free one).
  int sipp(const std::string& scenario, const std::vector<std::string>& extra, int calls, uint16_t port = 0) {
    std::vector<std::string> argv = {"/usr/bin/sipp", "-sf", scenario, "127.0.0.1:" + std::to_string(edge_.sip_port()),
                                     "-i", "127.0.0.1", "-p", std::to_string(port ? port : free_port()), "-m", std::to_string(calls),
                                     "-r", "50", "-l", "10", "-timeout", "30s", "-nostdin", "-trace_err",
                                     "-error_file", dir_ + "/sipp-errors.log",
                                     // Digest uri = the Request-URI (RFC 3261 22.4), which the edge checks;
                                     // sipp's default is "sip:<remote ip>:<port>".
                                     "-auth_uri", "ims.local"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run(argv, dir_ + "/sipp.log", 45s);
  }

  std::string scenario(const std::string& name) const {
    return std::string(IMSGUARD_SOURCE_DIR) + "/bench/sipp/" + name;
  }

  std::string dir_;
  std::string csv_;
  ImsguardProcess edge_;
};

}  // namespace

TEST_F(SippRegister, DigestRegistrationsAllSucceed) {
  EXPECT_EQ(sipp(scenario("register_auth.xml"), {"-inf", dir_ + "/users.csv"}, 40), 0)
      << read_file(dir_ + "/sipp-errors.log");
  EXPECT_EQ(edge_.stop(), 0);
  // The edge counted them: the shutdown summary names successful digest authentications.
  EXPECT_EQ(auth_successes(edge_.log(), "digest"), 40);
}

// The scenario's Via asks for rport: sipp checks that every 401 tells it its source
// (received=127.0.0.1;rport=<its port>, RFC 3581) and still registers with it.
TEST_F(SippRegister, ARegistrationWithRportIsToldItsSourceAndSucceeds) {
  std::string text = read_file(scenario("register_auth.xml"));
  ASSERT_NE(text.find(";rport\n"), std::string::npos) << "the scenario asks for rport";
  uint16_t port = free_port();
  const std::string plain_401 = "<recv response=\"401\" auth=\"true\"/>";
  ASSERT_NE(text.find(plain_401), std::string::npos);
  text.replace(text.find(plain_401), plain_401.size(),
               "<recv response=\"401\" auth=\"true\"><action><ereg regexp=\";received=127\\.0\\.0\\.1;rport=" +
                   std::to_string(port) + "([^0-9]|$)\" search_in=\"hdr\" header=\"Via:\" check_it=\"true\" "
                   "assign_to=\"source\"/></action></recv><Reference variables=\"source\"/>");
  write_file(dir_ + "/rport.xml", text);
  EXPECT_EQ(sipp(dir_ + "/rport.xml", {"-inf", dir_ + "/users.csv"}, 5, port), 0) << read_file(dir_ + "/sipp-errors.log");
  EXPECT_EQ(edge_.stop(), 0);
  EXPECT_EQ(auth_successes(edge_.log(), "digest"), 5);
}

TEST_F(SippRegister, WrongPasswordIsChallengedAgainAndLogged) {
  EXPECT_EQ(sipp(scenario("register_badpw.xml"), {"-inf", dir_ + "/users.csv"}, 5), 0)
      << read_file(dir_ + "/sipp-errors.log");
  EXPECT_NE(edge_.events().find("\"reason\":\"wrong password\""), std::string::npos) << edge_.events();
  // The counters are printed at shutdown: stop first, then check that the summary is there
  // (every wrong answer counted as a failure) and that it names no success.
  EXPECT_EQ(edge_.stop(), 0);
  std::string log = edge_.log();
  ASSERT_NE(log.find("imsguard stopped; counters:"), std::string::npos) << log;
  EXPECT_EQ(auth_count(log, "failed", "digest"), 5) << log;
  EXPECT_EQ(auth_successes(log, "digest"), -1) << log;  // nobody got in
}

TEST_F(SippRegister, ImsAkaRegistrationWithSippsMilenage) {
  // Keys avoid the bytes sipp cannot take (0x00, 0x5b) and any byte that reads as syntax.
  const std::string k = "61626364656667686970717273747576", op = "41424344454647484950515253545556", amf = "4141";
  crypto::Key kb{}, opb{};
  auto kv = *crypto::from_hex(k);
  auto ov = *crypto::from_hex(op);
  std::copy(kv.begin(), kv.end(), kb.begin());
  std::copy(ov.begin(), ov.end(), opb.begin());
  auto opc = crypto::Milenage::compute_opc(kb, opb);
  ASSERT_TRUE(opc);
  ASSERT_EQ(run({IMSGUARD_BIN, "subscriber", "add", "--data-dir", dir_, "--impi", "sim1@ims.local", "--impu",
                 "sip:sim1@ims.local", "--k", k, "--opc", crypto::to_hex(*opc), "--amf", amf},
                dir_ + "/provision.log"),
            0);
  std::string text = read_file(scenario("register_aka.xml.in"));
  for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"@IMPI@", "sim1@ims.local"}, {"@USER@", "sim1"}, {"@DOMAIN@", "ims.local"},
           {"@K@", "0x" + k}, {"@OP@", "0x" + op}, {"@AMF@", "0x" + amf}})
    text = std::regex_replace(text, std::regex(from), to);
  write_file(dir_ + "/aka.xml", text);
  EXPECT_EQ(sipp(dir_ + "/aka.xml", {}, 5), 0) << read_file(dir_ + "/sipp-errors.log");
  EXPECT_EQ(edge_.stop(), 0);
  EXPECT_EQ(auth_successes(edge_.log(), "aka"), 5);
}
