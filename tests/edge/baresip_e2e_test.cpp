// A real SIP client from Debian (baresip 1.0) registers over TLS with the edge and exchanges
// MESSAGEs with another registered user through it, in both directions, with the identity
// the edge asserted. baresip's libre answers Digest with MD5 only and gives up on a
// challenge set that lists another algorithm, so this edge offers MD5 alone (the setting
// docs/client.md names for such legacy clients).
#include "baresip_control.h"
#include "imsguard_process.h"
#include "process.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

int run(const std::vector<std::string>& argv, const std::string& log) {
  ChildProcess p;
  if (!p.start(argv, log)) return -1;
  int status = p.wait(60s);
  return status == -2 ? p.stop() : status;
}

TEST(BaresipE2e, RegistersOverTlsAndExchangesMessagesThroughTheEdge) {
  ImsguardProcess edge;
  ImsguardOptions o;
  o.digest_algorithms = "[MD5]";
  ASSERT_TRUE(edge.start(o)) << edge.log();
  const std::string dir = edge.data_dir();
  ASSERT_EQ(run({IMSGUARD_BIN, "subscriber", "add", "--data-dir", dir, "--impi", "carol@ims.local", "--impu",
                 "sip:carol@ims.local", "--password", "carol-secret"},
                dir + "/add.log"),
            0)
      << read_file(dir + "/add.log");

  // baresip: the demo digest user alice, over TLS to the edge, trusting the edge's CA.
  std::string bs = dir + "/baresip";
  ASSERT_EQ(::mkdir(bs.c_str(), 0700), 0);
  BaresipPorts ports = baresip_ports();
  const uint16_t sip_port = ports.sip, ctrl_port = ports.ctrl;
  write_file(bs + "/config", "poll_method epoll\nsip_listen 127.0.0.1:" + std::to_string(sip_port) +
                                 "\nsip_cafile " + dir + "/pki/ca.crt\nmodule_path /usr/lib/baresip/modules\n"
                                 "module g711.so\nmodule_tmp account.so\nmodule_app contact.so\nmodule_app menu.so\n"
                                 "module ctrl_tcp.so\nctrl_tcp_listen 127.0.0.1:" + std::to_string(ctrl_port) +
                                 "\naudio_player aufile\naudio_source ausine\n");
  write_file(bs + "/accounts", "<sip:alice@ims.local;transport=tls>;auth_user=alice@ims.local;auth_pass=" +
                                   edge.demo("digest", "password") + ";outbound=\"sip:127.0.0.1:" +
                                   std::to_string(edge.tls_port()) + ";transport=tls\";regint=600\n");
  write_file(bs + "/contacts", "\"Carol\" <sip:carol@ims.local>\n");
  ChildProcess baresip;
  ASSERT_TRUE(baresip.start({"/usr/bin/baresip", "-s", "-n", "127.0.0.1", "-f", bs, "-t", "60"}, bs + "/log"));
  ASSERT_TRUE(eventually([&] { return read_file(bs + "/log").find("200 OK () [1 binding]") != std::string::npos; }, 30s))
      << read_file(bs + "/log") << edge.log();
  std::string trace = read_file(bs + "/log");
  EXPECT_NE(trace.find("TLS 127.0.0.1:"), std::string::npos);
  EXPECT_NE(trace.find("-> 127.0.0.1:" + std::to_string(edge.tls_port())), std::string::npos) << trace;

  // Carol stays registered with imsguard's own client over UDP.
  ChildProcess carol;
  std::string carol_log = dir + "/carol.log";
  ASSERT_TRUE(carol.start({IMSGUARD_BIN, "client", "register", "--server", "127.0.0.1:" + std::to_string(edge.sip_port()),
                           "--impi", "carol@ims.local", "--impu", "sip:carol@ims.local", "--password", "carol-secret",
                           "--keep", "40"},
                          carol_log));
  ASSERT_TRUE(eventually([&] { return read_file(carol_log).find("registered sip:carol") != std::string::npos; }, 30s))
      << read_file(carol_log);

  // Carol -> alice (baresip): delivered over alice's TLS flow, answered 200 by baresip, with
  // the identity the edge asserted even though carol forged another one.
  std::string sent_log = dir + "/sent.log";
  EXPECT_EQ(run({IMSGUARD_BIN, "client", "message", "--server", "127.0.0.1:" + std::to_string(edge.sip_port()),
                 "--impi", "carol@ims.local", "--impu", "sip:carol@ims.local", "--password", "carol-secret", "--to",
                 "sip:alice@ims.local", "--text", "hello baresip", "--header", "P-Asserted-Identity: <sip:bob@ims.local>"},
                sent_log),
            0)
      << read_file(sent_log);
  EXPECT_NE(read_file(sent_log).find("MESSAGE sip:alice@ims.local: 200 OK"), std::string::npos) << read_file(sent_log);
  ASSERT_TRUE(eventually([&] { return read_file(bs + "/log").find("hello baresip") != std::string::npos; }, 10s));
  trace = read_file(bs + "/log");
  EXPECT_NE(trace.find("P-Asserted-Identity: <sip:carol@ims.local>"), std::string::npos) << trace;
  EXPECT_EQ(trace.find("sip:bob@ims.local"), std::string::npos) << trace;

  // Alice (baresip) -> carol: sent over TLS, received by carol as from alice.
  ASSERT_TRUE(baresip_command(ctrl_port, "message", "hello from baresip").ok) << read_file(bs + "/log");
  ASSERT_TRUE(eventually([&] { return read_file(carol_log).find("hello from baresip") != std::string::npos; }, 10s))
      << read_file(carol_log) << read_file(bs + "/log");
  EXPECT_NE(read_file(carol_log).find("MESSAGE from sip:alice@ims.local: hello from baresip"), std::string::npos)
      << read_file(carol_log);

  carol.stop();
  baresip.stop();
}

}  // namespace
