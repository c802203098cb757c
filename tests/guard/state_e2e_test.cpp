// A ban outlives the process that made it: `imsguard ban add` on a running edge (default
// SQLite state), the edge restarts, the ban is still listed and still enforced; a ban whose
// TTL ran out meanwhile is not brought back.
#include "imsguard_process.h"
#include "sip_socket.h"

#include <gtest/gtest.h>

#include <thread>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

std::string run_ban(const std::string& dir, const std::vector<std::string>& args, int* status = nullptr) {
  static int n = 0;
  std::string log = dir + "/ban-" + std::to_string(++n) + ".log";
  std::vector<std::string> argv = {IMSGUARD_BIN, "ban"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--data-dir", dir});
  ChildProcess p;
  if (!p.start(argv, log)) return "cannot start";
  int rc = p.wait(30s);
  if (status) *status = rc;
  return read_file(log);
}

// True if the edge answers an OPTIONS sent from `from` (a 127/8 address).
bool answers_from(uint16_t port, const std::string& from) {
  UdpPeer peer(from);
  std::string msg = "OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP " + from + ":" +
                    std::to_string(peer.local_port()) +
                    ";branch=z9hG4bKban1\r\nFrom: <sip:probe@ims.local>;tag=1\r\nTo: <sip:127.0.0.1>\r\n"
                    "Call-ID: ban-probe\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
  peer.send(msg, port);
  return peer.receive(1500ms).has_value();
}

TEST(BanPersistence, AnOperatorsBanSurvivesARestartAndAnExpiredOneDoesNot) {
  ImsguardProcess edge;
  ImsguardOptions o;
  o.tls = false;
  ASSERT_TRUE(edge.start(o)) << edge.log();
  const std::string dir = edge.data_dir();
  ASSERT_TRUE(answers_from(edge.sip_port(), "127.0.0.23"));

  int rc = -1;
  std::string out = run_ban(dir, {"add", "127.0.0.23", "--ttl", "3600", "--reason", "abuse report 4711"}, &rc);
  ASSERT_EQ(rc, 0) << out;
  out = run_ban(dir, {"add", "127.0.0.24", "--ttl", "1", "--reason", "short"}, &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_FALSE(answers_from(edge.sip_port(), "127.0.0.23"));

  // Stop (clean), let the short ban run out while nothing runs, start again on the same data.
  EXPECT_EQ(edge.stop(), 0) << edge.log();
  std::this_thread::sleep_for(1500ms);
  ImsguardProcess again;
  o.data_dir = dir;
  ASSERT_TRUE(again.start(o)) << again.log();
  std::string list = run_ban(dir, {"list"}, &rc);
  ASSERT_EQ(rc, 0) << list;
  EXPECT_NE(list.find("127.0.0.23 ttl="), std::string::npos) << list;
  EXPECT_NE(list.find("reason=\"abuse report 4711\""), std::string::npos) << list;
  EXPECT_NE(list.find("by=admin"), std::string::npos) << list;
  EXPECT_EQ(list.find("127.0.0.24"), std::string::npos) << list;
  // Still enforced, with what is left of its TTL (not a fresh hour).
  EXPECT_FALSE(answers_from(again.sip_port(), "127.0.0.23"));
  EXPECT_TRUE(answers_from(again.sip_port(), "127.0.0.25"));
  auto ttl_at = list.find("127.0.0.23 ttl=");
  int ttl = std::stoi(list.substr(ttl_at + 15));
  EXPECT_LE(ttl, 3600);
  EXPECT_GT(ttl, 3000);

  // A lifted ban stays lifted across the next restart.
  out = run_ban(dir, {"remove", "127.0.0.23"}, &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(again.stop(), 0);
  ImsguardProcess third;
  ASSERT_TRUE(third.start(o)) << third.log();
  EXPECT_TRUE(answers_from(third.sip_port(), "127.0.0.23"));
  EXPECT_EQ(run_ban(dir, {"list"}).find("127.0.0.23"), std::string::npos);
}

}  // namespace
