// The operator's everyday commands against a real `imsguard run` (issue 19, points 5 and 7):
// `imsguard registration list|remove` through the admin API, `imsguard ban list` showing
// brute-force lockouts with their reason and `imsguard unlock` lifting one (control socket),
// a store error that names the file and says read-only, and `imsguard man`.
#include "cli_run.h"
#include "digest_phone.h"
#include "imsguard_process.h"

#include <gtest/gtest.h>

#include <signal.h>

#include <filesystem>
#include <regex>
#include <set>
#include <sstream>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

const char kToken[] = "operator-cli-e2e-token-51a0";
// Three wrong answers for one identity from anywhere lock it out for 10 minutes; nothing else
// limits the test's requests.
const char kLockAfterThreeGuesses[] =
    "guards:\n  bruteforce: { max_failures: 1000, per_impi_distributed: 3, lockout_s: 600, max_challenges_per_impi: 1000 }\n"
    "  ratelimit: { per_source_rps: 1000, per_impi_rps: 1000, per_method_rps: 1000, burst: 1000 }\n";

class OperatorCliE2e : public ::testing::Test {
 protected:
  void start(const std::string& extra_yaml = "") {
    dir_ = make_temp_dir("imsguard-opcli");
    for (const char* user : {"alice", "carol"}) {
      auto add = run_imsguard(dir_, {"subscriber", "add", "--data-dir", dir_, "--impi", std::string(user) + "@ims.local",
                                     "--impu", "sip:" + std::string(user) + "@ims.local", "--password",
                                     std::string("pw-") + user});
      ASSERT_EQ(add.status, 0) << add.output;
    }
    token_file_ = dir_ + "/admin.token";
    write_file(token_file_, std::string(kToken) + "\n");
    ImsguardOptions o;
    o.tls = false;
    o.data_dir = dir_;
    o.digest_algorithms = "[SHA-256]";
    // Raw UDP phones that do not answer the edge's 407 (UdpRequestChallengeE2e shows that key).
    o.auth_yaml = "  challenge_udp_requests: false\n";
    // The token is in the file the CLI is given, not in the config the CLI reads.
    o.extra_yaml = "admin:\n  listen: { address: 127.0.0.1, port: " + std::to_string(free_port()) + " }\n  token: \"" +
                   kToken + "\"\n" + extra_yaml;
    ASSERT_TRUE(edge_.start(o)) << edge_.log();
  }

  CliRun cli(std::vector<std::string> args) { return run_imsguard(dir_, args); }

  // An OPTIONS for carol from the phone's flow: 480 while the flow is registered (carol is
  // not), 403 once it is not.
  int options_for_carol(DigestPhone& phone) {
    std::string port = std::to_string(phone.peer().local_port());
    ++n_;
    return status_of(phone.exchange("OPTIONS sip:carol@ims.local SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + port +
                                    ";branch=z9hG4bKopt" + std::to_string(n_) +
                                    "\r\nMax-Forwards: 70\r\nFrom: <" + phone.aor() + ">;tag=o" + std::to_string(n_) +
                                    "\r\nTo: <sip:carol@ims.local>\r\nCall-ID: opt-" + port + "-" + std::to_string(n_) +
                                    "\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
                         .value_or(""));
  }

  // Three wrong answers for alice from `address`: with per_impi_distributed 3 her identity
  // is locked out.
  void guess_alice_three_times(const std::string& address) {
    DigestPhone attacker("alice", edge_.sip_port(), address);
    auto last = attacker.exchange(attacker.register_request(""));
    ASSERT_TRUE(last);
    for (int i = 0; i < 3; ++i) {
      auto c = DigestPhone::challenge_of(*last);
      ASSERT_TRUE(c) << *last;
      last = attacker.exchange(attacker.register_request(DigestPhone::answer(*c, "alice@ims.local", "guess" + std::to_string(i))));
      ASSERT_TRUE(last);
    }
  }

  ImsguardProcess edge_;
  std::string dir_, token_file_;
  int n_ = 0;
};

TEST_F(OperatorCliE2e, RegistrationListShowsABindingAndRemoveEndsTheRegistrationAtOnce) {
  start();
  DigestPhone alice("alice", edge_.sip_port());
  ASSERT_EQ(alice.register_with("pw-alice"), 200);
  ASSERT_EQ(options_for_carol(alice), 480) << "registered: relayed, carol is not there";
  std::vector<std::string> target = {"--config", edge_.config_path(), "--token-file", token_file_};
  // The admin options go after the subcommand too (`registration list --config ...`).
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.begin() + 2, target.begin(), target.end());
    return cli(args);
  };

  auto list = with({"registration", "list"});
  ASSERT_EQ(list.status, 0) << list.output;
  EXPECT_NE(list.output.find("sip:alice@ims.local  <" + alice.contact() + ">  impi=alice@ims.local  udp 127.0.0.1:" +
                             std::to_string(alice.peer().local_port()) + "  expires in "),
            std::string::npos)
      << list.output;
  EXPECT_NE(list.output.find("1 registration(s)"), std::string::npos) << list.output;
  // One AoR, written without its scheme; JSON on request.
  auto one = with({"registration", "list", "alice@ims.local", "--json"});
  ASSERT_EQ(one.status, 0) << one.output;
  EXPECT_NE(one.output.find("\"aor\": \"sip:alice@ims.local\""), std::string::npos) << one.output;
  auto other = with({"registration", "list", "sip:carol@ims.local"});
  EXPECT_NE(other.output.find("0 registration(s)"), std::string::npos) << other.output;

  // A contact that is not bound: nothing removed, exit 2.
  auto wrong = with({"registration", "remove", "sip:alice@ims.local", "sip:alice@192.0.2.9:5060"});
  EXPECT_EQ(wrong.status, 2) << wrong.output;
  EXPECT_NE(wrong.output.find("no registration of sip:alice@ims.local with contact sip:alice@192.0.2.9:5060"),
            std::string::npos)
      << wrong.output;
  ASSERT_EQ(options_for_carol(alice), 480);

  auto removed = with({"registration", "remove", "sip:alice@ims.local", alice.contact()});
  ASSERT_EQ(removed.status, 0) << removed.output;
  EXPECT_NE(removed.output.find("removed 1 binding(s) of sip:alice@ims.local"), std::string::npos) << removed.output;
  EXPECT_EQ(options_for_carol(alice), 403) << "the flow lost its registration with its binding";
  EXPECT_NE(with({"registration", "list"}).output.find("0 registration(s)"), std::string::npos);
  EXPECT_NE(edge_.events().find("removed by an operator"), std::string::npos) << edge_.events();
  // It registers again like any phone.
  ASSERT_EQ(alice.register_with("pw-alice"), 200);
  EXPECT_EQ(options_for_carol(alice), 480);

  // Without a token the API refuses: a runtime failure, exit 1.
  auto no_token = cli({"registration", "--config", edge_.config_path(), "--token-file", dir_ + "/events.jsonl", "list"});
  EXPECT_EQ(no_token.status, 1) << no_token.output;
}

TEST_F(OperatorCliE2e, BanListShowsALockoutWithItsReasonAndUnlockLiftsIt) {
  start(kLockAfterThreeGuesses);
  ASSERT_NO_FATAL_FAILURE(guess_alice_three_times("127.0.0.1"));
  DigestPhone alice("alice", edge_.sip_port(), "127.0.0.2");
  ASSERT_EQ(alice.register_with("pw-alice"), 403) << "the identity is locked out\n" << edge_.log();

  auto list = cli({"ban", "list", "--config", edge_.config_path()});
  ASSERT_EQ(list.status, 0) << list.output;
  EXPECT_NE(list.output.find("lockout identity alice@ims.local  locked "), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("reason: failed authentications for this identity from all sources; identity locked for 600 s"),
            std::string::npos)
      << list.output;
  // The admin API lists it too.
  auto api = cli({"admin", "--config", edge_.config_path(), "--token-file", token_file_, "bans"});
  EXPECT_NE(api.output.find("\"subject\": \"alice@ims.local\""), std::string::npos) << api.output;

  auto nobody = cli({"unlock", "--config", edge_.config_path(), "bob@ims.local"});
  EXPECT_EQ(nobody.status, 2) << nobody.output;
  EXPECT_NE(nobody.output.find("no lockout for bob@ims.local"), std::string::npos) << nobody.output;

  auto unlock = cli({"unlock", "--config", edge_.config_path(), "alice@ims.local"});
  ASSERT_EQ(unlock.status, 0) << unlock.output;
  EXPECT_NE(unlock.output.find("unlocked identity alice@ims.local"), std::string::npos) << unlock.output;
  EXPECT_EQ(alice.register_with("pw-alice"), 200) << "lifted: the right password registers again\n" << edge_.log();
  EXPECT_EQ(cli({"ban", "list", "--config", edge_.config_path()}).output.find("lockout identity"), std::string::npos);
  EXPECT_NE(edge_.events().find("\"action\":\"unlock\""), std::string::npos) << edge_.events();
}

// Garbage arguments to `registration list|remove` and `unlock` against a running edge: each
// is refused with a message that says what is wrong, exit 2 (bad input; 1 only when the edge
// cannot be reached), no crash or sanitizer report, and nothing changes: the registration and
// the lockout in force before are there after.
TEST_F(OperatorCliE2e, GarbageArgumentsAreRefusedClearlyAndChangeNothing) {
  start(kLockAfterThreeGuesses);
  DigestPhone carol("carol", edge_.sip_port());
  ASSERT_EQ(carol.register_with("pw-carol"), 200);
  ASSERT_NO_FATAL_FAILURE(guess_alice_three_times("127.0.0.3"));
  const std::string cfg = edge_.config_path();
  std::vector<std::string> admin = {"--config", cfg, "--token-file", token_file_};
  auto state = [&] {  // what must not change: the bindings and the lockouts (time left aside)
    auto regs = cli({"registration", "list", "--config", cfg, "--token-file", token_file_});
    auto bans = cli({"ban", "list", "--config", cfg});
    std::string bindings = std::regex_replace(regs.output, std::regex("expires in [0-9]+ s"), "expires in N s");
    std::string lockout = bans.output.substr(0, bans.output.find("  locked "));
    return bindings + "|" + lockout;
  };
  const std::string before = state();
  ASSERT_NE(before.find("sip:carol@ims.local  <" + carol.contact() + ">"), std::string::npos) << before;
  ASSERT_NE(before.find("1 registration(s)"), std::string::npos) << before;
  ASSERT_NE(before.find("lockout identity alice@ims.local"), std::string::npos) << before;

  struct Case {
    std::vector<std::string> args;
    int status;
    std::string says;  // part of the message that names what is wrong
  };
  auto reg = [&](std::vector<std::string> words) {  // `registration` with the admin options after it
    words.insert(words.begin(), "registration");
    words.insert(words.begin() + 1, admin.begin(), admin.end());
    return words;
  };
  const std::string long_name(100'000, 'a');
  const std::vector<Case> cases = {
      {reg({}), 2, "A subcommand is required"},
      {reg({"frobnicate"}), 2, "A subcommand is required"},
      {reg({"remove"}), 2, "aor is required"},
      {reg({"remove", ""}), 2, "AOR is empty"},
      {reg({"remove", "sip:carol@ims.local", "sip:carol@192.0.2.1:5060", "extra"}), 2, "extra"},
      {reg({"remove", "tel:+15551234"}), 2, "not a sip or sips URI"},
      {reg({"remove", "sip:carol@ims.local\r\nX-Injected: 1"}), 2, "not a sip or sips URI"},
      {reg({"remove", "sip:carol@ims.local", "not a contact"}), 2, "no registration of sip:carol@ims.local with contact"},
      {reg({"list", "sip:carol@ims.local", "sip:alice@ims.local"}), 2, "sip:alice@ims.local"},
      {reg({"list", "--bogus"}), 2, "--bogus"},
      {reg({"list", "tel:+15551234"}), 2, "not a sip or sips URI"},
      {{"unlock"}, 2, "target is required"},
      {{"unlock", "--config", cfg}, 2, "target is required"},
      {{"unlock", "--config", cfg, "alice@ims.local", "bob@ims.local"}, 2, "bob@ims.local"},
      {{"unlock", "--config", cfg, ""}, 2, "is not an IMPI or an address"},
      {{"unlock", "--config", cfg, "alice@ims.local bob"}, 2, "is not an IMPI or an address"},
      {{"unlock", "--config", cfg, "bob@ims.local"}, 2, "no lockout for bob@ims.local"},
      {{"unlock", "--config", cfg, "192.0.2.0/24"}, 2, "no lockout for 192.0.2.0/24"},
      {{"unlock", "--config", cfg, "\xff\xfe@ims.local"}, 2, "no lockout for"},
      {{"unlock", "--config", cfg, long_name}, 2, "no lockout for aaaa"},
      {{"unlock", "--config", cfg, "--ttl", "5", "alice@ims.local"}, 2, "--ttl"},
      {{"unlock", "--socket", dir_ + "/no-such.sock", "alice@ims.local"}, 1, "cannot reach the running imsguard"},
  };
  for (const auto& c : cases) {
    std::string shown;
    for (const auto& a : c.args) shown += " [" + a.substr(0, 60) + "]";
    auto r = cli(c.args);
    EXPECT_EQ(r.status, c.status) << shown << "\n" << r.output.substr(0, 2000);
    EXPECT_NE(r.output.find(c.says), std::string::npos) << shown << "\n" << r.output.substr(0, 2000);
    EXPECT_EQ(r.output.find("Sanitizer"), std::string::npos) << shown << "\n" << r.output.substr(0, 4000);
    EXPECT_EQ(r.output.find("runtime error"), std::string::npos) << shown << "\n" << r.output.substr(0, 4000);
  }
  EXPECT_EQ(state(), before);
  EXPECT_EQ(::kill(edge_.pid(), 0), 0) << "the edge still runs\n" << edge_.log();
  // The lockout is still in force: the right password is refused until an operator lifts it.
  DigestPhone alice("alice", edge_.sip_port(), "127.0.0.2");
  EXPECT_EQ(alice.register_with("pw-alice"), 403) << edge_.log();
}

TEST(OperatorCliStore, AReadOnlyStoreIsNamedAndSaidReadOnly) {
  std::string dir = make_temp_dir("imsguard-rostore");
  std::string data = dir + "/data";
  auto add = run_imsguard(dir, {"subscriber", "add", "--data-dir", data, "--impi", "a@ims.local", "--impu", "sip:a@ims.local",
                                "--password", "x"});
  ASSERT_EQ(add.status, 0) << add.output;
  // The data directory mounted read-only in a mount namespace of its own (as root: tests run as root).
  std::string script = "mount --bind " + data + " " + data + " && mount -o remount,bind,ro " + data + " && exec " +
                       IMSGUARD_BIN + " subscriber add --data-dir " + data +
                       " --impi b@ims.local --impu sip:b@ims.local --password y";
  ChildProcess p;
  ASSERT_TRUE(p.start({"/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script}, dir + "/ro.log"));
  int status = p.wait(60s);
  std::string out = read_file(dir + "/ro.log");
  EXPECT_EQ(status, 1) << out;
  EXPECT_NE(out.find(data + "/imsguard.db is read-only: read-only file system"), std::string::npos) << out;
}

TEST(OperatorCliMan, EveryCommandHasAPageWithEveryOptionOfItsHelp) {
  std::string dir = make_temp_dir("imsguard-man");
  auto made = run_imsguard(dir, {"man", dir + "/man"});
  ASSERT_EQ(made.status, 0) << made.output;
  // The commands as `imsguard --help` lists them.
  auto help = run_imsguard(dir, {"--help"});
  std::istringstream lines(help.output.substr(help.output.find("Subcommands:")));
  std::string line;
  std::set<std::string> commands;
  std::getline(lines, line);
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string name;
    if (line.rfind("  ", 0) == 0 && (words >> name)) commands.insert(name);
  }
  ASSERT_GE(commands.size(), 12u) << help.output;
  for (const char* expected : {"registration", "unlock", "ban", "subscriber", "run", "check-config", "man"})
    EXPECT_TRUE(commands.count(expected)) << expected << "\n" << help.output;
  std::string main_page = read_file(dir + "/man/imsguard.1");
  auto troff = [](std::string text) {  // a hyphen as troff writes it
    for (size_t at = text.find('-'); at != std::string::npos; at = text.find('-', at + 2)) text.replace(at, 1, "\\-");
    return text;
  };
  for (const auto& cmd : commands) {
    std::string page = read_file(dir + "/man/imsguard-" + cmd + ".1");
    ASSERT_FALSE(page.empty()) << cmd;
    EXPECT_NE(main_page.find(troff("imsguard-" + cmd) + "\\fR(1)"), std::string::npos) << cmd;
    EXPECT_NE(page.find(".TH " + troff("imsguard-" + cmd) + " 1"), std::string::npos) << cmd << "\n" << page.substr(0, 300);
  }
  // Every option `registration remove --help` prints is on the page, and the page is
  // troff that groff reads without a warning.
  std::string page = read_file(dir + "/man/imsguard-registration.1");
  for (const char* option : {"\\-\\-config", "\\-\\-token\\-file", "\\-\\-address", "\\-\\-port", "\\-\\-json"})
    EXPECT_NE(page.find(option), std::string::npos) << option;
  EXPECT_NE(page.find(".SS imsguard registration remove"), std::string::npos);
  ChildProcess groff;
  ASSERT_TRUE(groff.start({"/usr/bin/groff", "-man", "-ww", "-z", dir + "/man/imsguard-registration.1"}, dir + "/groff.log"));
  EXPECT_EQ(groff.wait(30s), 0);
  EXPECT_EQ(read_file(dir + "/groff.log"), "");
}

}  // namespace
