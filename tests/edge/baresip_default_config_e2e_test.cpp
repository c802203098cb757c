// Out of the box with a real phone: baresip 1.0 (whose libre gives up on a challenge set that
// names SHA-256) registers against an edge with the default digest algorithms
// ([SHA-256, MD5]) thanks to auth.md5_only_user_agents, and does not when the list is
// emptied; a client that can do SHA-256 (any other User-Agent) is still offered SHA-256.
#include "imsguard_process.h"
#include "process.h"
#include "sip_socket.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

class BaresipDefaultConfig : public ::testing::TestWithParam<bool> {};

// The 401 a REGISTER from this User-Agent gets.
std::string challenge_for(uint16_t port, const std::string& ua) {
  UdpPeer peer;
  std::string p = std::to_string(peer.local_port());
  peer.send("REGISTER sip:ims.local SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + p + ";branch=z9hG4bKdc" + p +
                "\r\nMax-Forwards: 70\r\nFrom: <sip:alice@ims.local>;tag=d\r\nTo: <sip:alice@ims.local>\r\nCall-ID: dc" + p +
                "\r\nCSeq: 1 REGISTER\r\nUser-Agent: " + ua + "\r\nContact: <sip:a@127.0.0.1:" + p +
                ">\r\nContent-Length: 0\r\n\r\n",
            port);
  auto got = peer.receive(5s);
  return got ? *got : std::string();
}

TEST_P(BaresipDefaultConfig, RegistersWithTheDefaultAlgorithmsOnlyThroughTheUserAgentPolicy) {
  const bool policy = GetParam();
  ImsguardProcess edge;
  ImsguardOptions o;  // digest_algorithms: the default [SHA-256, MD5]
  o.tls = false;
  if (!policy) o.extra_yaml = "  md5_only_user_agents: []\n";
  ASSERT_TRUE(edge.start(o)) << edge.log();

  std::string linphone = challenge_for(edge.sip_port(), "Linphone/5.1.65 (belle-sip/5.1.64)");
  EXPECT_EQ(status_of(linphone), 401) << linphone;
  EXPECT_NE(linphone.find("algorithm=SHA-256"), std::string::npos) << "a SHA-256 client still gets SHA-256: " << linphone;
  std::string baresip_401 = challenge_for(edge.sip_port(), "baresip v1.0.0 (x86_64/linux)");
  EXPECT_EQ(baresip_401.find("algorithm=SHA-256") == std::string::npos, policy) << baresip_401;

  std::string dir = edge.data_dir() + "/baresip";
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  // free_port_pair: baresip takes sip_listen + 1 for TLS.
  write_file(dir + "/config", "poll_method epoll\nsip_listen 127.0.0.1:" + std::to_string(free_port_pair()) +
                                  "\nmodule_path /usr/lib/baresip/modules\nmodule g711.so\nmodule_tmp account.so\n");
  write_file(dir + "/accounts", "<sip:alice@ims.local;transport=udp>;auth_user=alice@ims.local;auth_pass=" +
                                    edge.demo("digest", "password") + ";outbound=\"sip:127.0.0.1:" +
                                    std::to_string(edge.sip_port()) + "\";regint=600\n");
  ChildProcess baresip;
  ASSERT_TRUE(baresip.start({"/usr/bin/stdbuf", "-oL", "/usr/bin/baresip", "-s", "-n", "127.0.0.1", "-f", dir, "-t", "30"},
                            dir + "/log"));
  bool registered =
      eventually([&] { return read_file(dir + "/log").find("200 OK () [1 binding]") != std::string::npos; }, policy ? 30s : 8s);
  EXPECT_EQ(registered, policy) << read_file(dir + "/log");
  baresip.stop();
  std::filesystem::remove_all(edge.data_dir());
}

INSTANTIATE_TEST_SUITE_P(Md5OnlyUserAgents, BaresipDefaultConfig, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& p) { return p.param ? "Default" : "Emptied"; });

}  // namespace
