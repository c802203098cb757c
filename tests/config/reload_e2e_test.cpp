// SIGHUP on a real `imsguard run` (issue 19, point 3): every key config::kReloadRules marks
// reloadable is applied and seen to act, a changed restart-only key is named in the log and
// as an event and is really not applied, and "reloaded" is said only when all of a change is
// in force. Also log.level at start: debug and trace write the SIP trace, info does not.
#include "imsguard_process.h"
#include "sip_socket.h"

#include <gtest/gtest.h>
#include <signal.h>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

std::string options(const std::string& address, uint16_t local_port, const std::string& call_id) {
  return "OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP " + address + ":" + std::to_string(local_port) +
         ";branch=z9hG4bK" + call_id + "\r\nFrom: <sip:probe@ims.local>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: " +
         call_id + "\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
}

// Sends `n` OPTIONS from `address`; how many were answered.
int burst(const std::string& address, uint16_t port, int n, const std::string& tag) {
  UdpPeer peer(address);
  for (int i = 0; i < n; ++i) peer.send(options(address, peer.local_port(), tag + std::to_string(i)), port);
  int answered = 0;
  while (answered < n && peer.receive(answered == 0 ? 3000ms : 1000ms)) ++answered;
  return answered;
}

// The algorithms an unauthenticated REGISTER is challenged with, in order ("SHA-256,MD5").
std::string challenge_algorithms(uint16_t port) {
  UdpPeer peer;
  std::string p = std::to_string(peer.local_port());
  peer.send("REGISTER sip:ims.local SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + p +
                ";branch=z9hG4bKalg\r\nFrom: <sip:alice@ims.local>;tag=a\r\nTo: <sip:alice@ims.local>\r\n"
                "Call-ID: alg-" + p + "\r\nCSeq: 1 REGISTER\r\nContact: <sip:alice@127.0.0.1:" + p +
                ">\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
            port);
  auto answer = peer.receive(3000ms);
  if (!answer) return "no answer";
  std::string out;
  for (size_t at = answer->find("algorithm="); at != std::string::npos; at = answer->find("algorithm=", at + 1)) {
    size_t end = answer->find_first_of(",\r", at);
    out += (out.empty() ? "" : ",") + answer->substr(at + 10, end - at - 10);
  }
  return out;
}

void replace(std::string& text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from << " not in\n" << text;
  text.replace(at, from.size(), to);
}

bool sighup_and_wait(ImsguardProcess& proc, const std::string& marker, size_t after) {
  if (::kill(proc.pid(), SIGHUP) != 0) return false;
  return eventually([&] { return proc.log().find(marker, after) != std::string::npos; }, 10s);
}

}  // namespace

TEST(ReloadE2e, ReloadableKeysActAndARestartKeyIsNamedNotApplied) {
  ImsguardProcess proc;
  ASSERT_TRUE(proc.start()) << proc.log();
  const uint16_t port = proc.sip_port();
  EXPECT_EQ(proc.log().find("sip <- "), std::string::npos) << "log.level info writes no SIP trace";
  EXPECT_EQ(challenge_algorithms(port), "SHA-256,MD5");
  EXPECT_EQ(burst("127.0.0.2", port, 20, "before"), 20);

  // One file changing a key of every reloadable kind and one restart-only key.
  std::string text = read_file(proc.config_path());
  const std::string events2 = proc.data_dir() + "/events-2.jsonl";
  replace(text, proc.data_dir() + "/events.jsonl", events2);
  replace(text, "digest_algorithms: [SHA-256, MD5]", "digest_algorithms: [MD5]");
  text += "log:\n  level: debug\nguards:\n  flood:\n    max_per_source: 5\n    allowlist: [127.0.0.4/32]\n";
  write_file(proc.config_path(), text);
  size_t mark = proc.log().size();
  ASSERT_TRUE(sighup_and_wait(proc, "SIGHUP: configuration only partly reloaded", mark)) << proc.log();
  std::string log = proc.log().substr(mark);
  for (const char* key : {"log.level", "events.output", "guards.flood.max_per_source", "guards.flood.allowlist"})
    EXPECT_NE(log.find(std::string("SIGHUP: applied ") + key), std::string::npos) << key << "\n" << log;
  EXPECT_NE(log.find("SIGHUP: auth.digest_algorithms changed but is NOT applied: it needs a restart"), std::string::npos)
      << log;
  EXPECT_EQ(log.find("SIGHUP: applied auth.digest_algorithms"), std::string::npos) << log;
  EXPECT_EQ(log.find("configuration reloaded"), std::string::npos) << "a partial reload never says reloaded\n" << log;
  // The event names the key, in the new event output (events.output applied).
  std::string events = read_file(events2);
  EXPECT_NE(events.find("\"action\":\"restart_needed\""), std::string::npos) << events;
  EXPECT_NE(events.find("auth.digest_algorithms: changed, applies after a restart"), std::string::npos) << events;
  EXPECT_NE(events.find("\"action\":\"reload_partial\""), std::string::npos) << events;

  // Each applied key acts: the SIP trace of log.level debug, the new flood threshold and
  // allowlist; the restart-only key does not: the challenge still offers SHA-256.
  UdpPeer probe;
  probe.send(options("127.0.0.1", probe.local_port(), "traced-after-reload"), port);
  ASSERT_TRUE(probe.receive(3000ms).has_value());
  EXPECT_TRUE(eventually([&] { return proc.log().find("OPTIONS sip:127.0.0.1 SIP/2.0", mark) != std::string::npos; }, 5s))
      << proc.log().substr(mark);
  EXPECT_NE(proc.log().find("sip <- udp:127.0.0.1:" + std::to_string(probe.local_port())), std::string::npos);
  EXPECT_LT(burst("127.0.0.2", port, 20, "after"), 20) << "guards.flood.max_per_source 5 applied";
  EXPECT_EQ(burst("127.0.0.4", port, 20, "allowed"), 20) << "guards.flood.allowlist applied";
  EXPECT_EQ(challenge_algorithms(port), "SHA-256,MD5") << "auth.digest_algorithms needs a restart";

  // The same file again: nothing new applied, the restart-only key is still named.
  mark = proc.log().size();
  ASSERT_TRUE(sighup_and_wait(proc, "SIGHUP: configuration only partly reloaded", mark)) << proc.log();
  log = proc.log().substr(mark);
  EXPECT_NE(log.find("0 key(s) applied; 1 key(s) need a restart: auth.digest_algorithms"), std::string::npos) << log;

  // Restart-only key back to its running value, log level to warn: a full reload, and the
  // SIP trace stops.
  replace(text, "digest_algorithms: [MD5]", "digest_algorithms: [SHA-256, MD5]");
  replace(text, "level: debug", "level: warn");
  write_file(proc.config_path(), text);
  mark = proc.log().size();
  ASSERT_EQ(::kill(proc.pid(), SIGHUP), 0);
  ASSERT_TRUE(eventually([&] { return read_file(events2).find("\"reason\":\"applied: log.level\"") != std::string::npos; }, 10s))
      << read_file(events2) << proc.log().substr(mark);
  size_t before_probe = proc.log().size();
  probe.send(options("127.0.0.1", probe.local_port(), "not-traced"), port);
  ASSERT_TRUE(probe.receive(3000ms).has_value());
  EXPECT_EQ(proc.log().find("sip <- ", before_probe), std::string::npos) << proc.log().substr(before_probe);
  EXPECT_EQ(proc.stop(), 0) << proc.log();
}

TEST(LogLevelE2e, DebugTracesOneLinePerMessageTraceTheWholeMessage) {
  for (const char* level : {"debug", "trace"}) {
    ImsguardProcess proc;
    ImsguardOptions o;
    o.extra_yaml = std::string("log:\n  level: ") + level + "\n";
    ASSERT_TRUE(proc.start(o)) << proc.log();
    // The readiness probe of ImsguardProcess::start is an OPTIONS with Call-ID "ready".
    ASSERT_TRUE(eventually([&] { return proc.log().find("sip <- udp:127.0.0.1:") != std::string::npos; }, 5s))
        << level << "\n" << proc.log();
    EXPECT_NE(proc.log().find("OPTIONS sip:127.0.0.1 SIP/2.0"), std::string::npos) << level;
    bool whole = proc.log().find("Call-ID: ready") != std::string::npos;
    EXPECT_EQ(whole, std::string(level) == "trace") << level << "\n" << proc.log();
    EXPECT_EQ(proc.stop(), 0) << proc.log();
  }
}
