// The imsguard client as a phone, through a running `imsguard run`: `client answer` registers
// carol and waits; `client call --to sip:carol@ims.local` from alice reaches her through the
// edge, she answers with SRTP per her options (SDES over TLS, DTLS-SRTP over UDP) and plays
// the tone, the caller verifies every packet and hangs up (BYE along the edge's route set).
// And the other way round with a real phone: baresip calls `client answer`, which hangs up
// on its own after two seconds; baresip receives that BYE through the edge.
#include "baresip_control.h"
#include "imsguard_process.h"
#include "process.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>
#include <vector>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

class ClientPhone : public ::testing::Test {
 protected:
  void SetUp() override {
    ImsguardOptions o;
    o.digest_algorithms = "[MD5]";
    ASSERT_TRUE(edge_.start(o)) << edge_.log();
    ChildProcess add;
    ASSERT_TRUE(add.start({IMSGUARD_BIN, "subscriber", "add", "--data-dir", edge_.data_dir(), "--impi", "carol@ims.local",
                           "--impu", "sip:carol@ims.local", "--password", "carol-secret"},
                          edge_.data_dir() + "/add.log"));
    ASSERT_EQ(add.wait(30s), 0) << read_file(edge_.data_dir() + "/add.log");
  }
  void TearDown() override {
    if (answerer_.running()) answerer_.stop();
    edge_.stop();
    std::filesystem::remove_all(edge_.data_dir());
  }
  std::string server(const std::string& transport) const {
    return "127.0.0.1:" + std::to_string(transport == "tls" ? edge_.tls_port() : edge_.sip_port());
  }
  void start_answerer(const std::string& transport, const std::vector<std::string>& extra) {
    std::vector<std::string> argv{IMSGUARD_BIN, "client", "answer", "--server", server(transport), "--transport", transport,
                                  "--data-dir", edge_.data_dir(), "--impi", "carol@ims.local", "--impu",
                                  "sip:carol@ims.local", "--password", "carol-secret", "--wait", "60"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    answer_log_ = edge_.data_dir() + "/answer.log";
    ASSERT_TRUE(answerer_.start(argv, answer_log_));
    ASSERT_TRUE(eventually([&] { return read_file(answer_log_).find("waiting for a call") != std::string::npos; }, 30s))
        << read_file(answer_log_) << edge_.log();
  }
  int call(const std::string& transport, const std::vector<std::string>& extra, std::string& out) {
    std::vector<std::string> argv{IMSGUARD_BIN, "client", "call", "--server", server(transport), "--transport", transport,
                                  "--data-dir", edge_.data_dir(), "--impi", edge_.demo("digest", "impi"), "--impu",
                                  edge_.demo("digest", "impu"), "--password", edge_.demo("digest", "password"), "--to",
                                  "sip:carol@ims.local", "--packets", "100"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    ChildProcess caller;
    std::string log = edge_.data_dir() + "/call.log";
    if (!caller.start(argv, log)) return -1;
    int status = caller.wait(60s);
    out = read_file(log);
    return status == -2 ? caller.stop() : status;
  }

  ImsguardProcess edge_;
  ChildProcess answerer_;
  std::string answer_log_;
};

TEST_F(ClientPhone, CallsASubscriberWithSdesOverTlsAndTheCallerHangsUp) {
  start_answerer("tls", {"--srtp", "mandatory"});
  if (HasFatalFailure()) return;
  std::string out;
  EXPECT_EQ(call("tls", {"--srtp", "mandatory", "--keying", "sdes", "--reinvite-after", "40"}, out), 0) << out << edge_.log();
  EXPECT_NE(out.find("INVITE sip:carol@ims.local: 200"), std::string::npos) << out;
  EXPECT_NE(out.find("media srtp-sdes"), std::string::npos) << out;
  EXPECT_NE(out.find("packets ok 100"), std::string::npos) << out;
  EXPECT_NE(out.find("re-INVITE 200 same session"), std::string::npos) << "hold/resume keeps the session: " << out;
  EXPECT_NE(out.find("BYE 200"), std::string::npos) << out;
  EXPECT_EQ(answerer_.wait(20s), 0) << read_file(answer_log_);
  std::string answered = read_file(answer_log_);
  EXPECT_NE(answered.find("INVITE from sip:alice@ims.local: 200"), std::string::npos) << answered;
  EXPECT_NE(answered.find("call ended by caller"), std::string::npos) << answered;
  // The edge relayed the in-dialog requests (ACK, re-INVITE and its ACK, BYE) itself.
  EXPECT_NE(edge_.events().find("answer srtp-sdes"), std::string::npos) << edge_.events();
}

TEST_F(ClientPhone, CallsASubscriberWithDtlsSrtpOverUdp) {
  start_answerer("udp", {"--srtp", "mandatory"});
  if (HasFatalFailure()) return;
  std::string out;
  EXPECT_EQ(call("udp", {"--srtp", "mandatory", "--keying", "dtls"}, out), 0) << out << edge_.log();
  EXPECT_NE(out.find("media srtp-dtls"), std::string::npos) << out;
  EXPECT_NE(out.find("packets ok 100"), std::string::npos) << out;
  EXPECT_EQ(answerer_.wait(20s), 0) << read_file(answer_log_);
}

TEST_F(ClientPhone, AnswersBaresipAndHangsUpThroughTheEdge) {
  start_answerer("udp", {"--hangup-after", "2"});
  if (HasFatalFailure()) return;
  std::string dir = edge_.data_dir() + "/baresip";
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  BaresipPorts ports = baresip_ports();
  const uint16_t ctrl = ports.ctrl;
  write_file(dir + "/config", "poll_method epoll\nsip_listen 127.0.0.1:" + std::to_string(ports.sip) +
                                  "\nmodule_path /usr/lib/baresip/modules\nmodule g711.so\nmodule ausine.so\n"
                                  "module aubridge.so\nmodule_tmp account.so\nmodule_app menu.so\nmodule ctrl_tcp.so\n"
                                  "ctrl_tcp_listen 127.0.0.1:" + std::to_string(ctrl) +
                                  "\naudio_source ausine,440\naudio_player aubridge,sink\nausrc_srate 48000\n"
                                  "ausrc_channels 2\nrtp_stats yes\n");
  write_file(dir + "/accounts", "<sip:alice@ims.local;transport=udp>;auth_user=alice@ims.local;auth_pass=" +
                                    edge_.demo("digest", "password") + ";outbound=\"sip:127.0.0.1:" +
                                    std::to_string(edge_.sip_port()) + "\";regint=600;audio_codecs=PCMU\n");
  ChildProcess baresip;
  ASSERT_TRUE(baresip.start({"/usr/bin/stdbuf", "-oL", "/usr/bin/baresip", "-s", "-n", "127.0.0.1", "-f", dir, "-t", "60"},
                            dir + "/log"));
  ASSERT_TRUE(eventually([&] { return read_file(dir + "/log").find("200 OK () [1 binding]") != std::string::npos; }, 30s))
      << read_file(dir + "/log");
  ASSERT_TRUE(baresip_command(ctrl, "dial", "sip:carol@ims.local").ok);
  ASSERT_TRUE(eventually([&] { return read_file(dir + "/log").find("Call established") != std::string::npos; }, 20s))
      << read_file(dir + "/log") << read_file(answer_log_);
  EXPECT_TRUE(eventually([&] { return read_file(dir + "/log").find("\nBYE sip:") != std::string::npos; }, 15s))
      << read_file(dir + "/log") << read_file(answer_log_);
  EXPECT_EQ(answerer_.wait(20s), 0) << read_file(answer_log_);
  std::string answered = read_file(answer_log_);
  EXPECT_NE(answered.find("BYE: 200"), std::string::npos) << answered;
  EXPECT_NE(answered.find("call ended by us"), std::string::npos) << answered;
  baresip.stop();
  std::string t = read_file(dir + "/log");
  std::smatch m;
  EXPECT_TRUE(std::regex_search(t, m, std::regex("packets:\\s+[0-9]+\\s+([0-9]+)")) && std::stol(m.str(1)) >= 50)
      << "baresip received the tone: " << t;
}

}  // namespace
