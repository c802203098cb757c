// linphonec (Debian 12: linphone-cli 5.1) against `imsguard run`, headless: it registers with
// SHA-256 Digest (the default challenge set; baresip beside it gets MD5 through
// auth.md5_only_user_agents), calls a baresip phone or is called by it over UDP, TCP and TLS,
// with plain RTP, SDES-SRTP over TLS and DTLS-SRTP, and one side hangs up with BYE.
//
// Headless means: no sound card. linphonec's `soundcard use files` plays a WAV file into the
// call and records what it receives into another, so media is counted in both directions:
// baresip's rtp_stats (packets received from linphone and sent to it) and the loud samples of
// linphone's recording (baresip sends a 440 Hz tone). The edge's media event names the keying
// the call ended up with. linphonec reads its commands from a FIFO held open by the test.
// The call lasts until a capture on the test's own loopback (a PrivateLoopback) has seen
// enough RTP both ways at linphone's RTP port.
#include "baresip_control.h"
#include "imsguard_process.h"
#include "loopback_capture.h"
#include "private_loopback.h"
#include "process.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>
#include <thread>
#include <vector>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

// baresip's "packets:  <sent>  <received>" row of rtp_stats; -1 before the call ended.
long baresip_packets(const std::string& log, int column) {
  std::smatch m;
  if (!std::regex_search(log, m, std::regex("packets:\\s+([0-9]+)\\s+([0-9]+)"))) return -1;
  return std::stol(m.str(column));
}

// Samples louder than silence in a 16-bit PCM WAV file (linphone's recording of the call).
size_t loud_samples(const std::string& path) {
  std::string wav = read_file(path);
  if (wav.size() < 44 || wav.compare(0, 4, "RIFF") != 0) return 0;
  size_t loud = 0;
  for (size_t i = 44; i + 1 < wav.size(); i += 2) {
    int16_t s = static_cast<int16_t>(static_cast<uint8_t>(wav[i]) | (static_cast<uint8_t>(wav[i + 1]) << 8));
    if (s > 1000 || s < -1000) ++loud;
  }
  return loud;
}

struct LinphoneCall {
  std::string transport;     // udp | tcp | tls
  std::string encryption;    // none | srtp (SDES) | dtls
  bool linphone_calls;       // else baresip calls linphone
  std::string name() const { return transport + "_" + encryption + (linphone_calls ? "_linphone_calls" : "_baresip_calls"); }
};

class LinphoneWithBaresip : public ::testing::TestWithParam<LinphoneCall> {
 protected:
  void TearDown() override {
    if (fifo_ >= 0) ::close(fifo_);
    if (linphone_.running()) linphone_.stop();
    if (baresip_.running()) baresip_.stop();
    edge_.stop();
    if (!getenv("IMSGUARD_KEEP_TEST_DIR")) std::filesystem::remove_all(edge_.data_dir());
    else printf("kept %s\n", edge_.data_dir().c_str());
  }

  uint16_t edge_port(const std::string& transport) const {
    return transport == "tls" ? edge_.tls_port() : edge_.sip_port();
  }

  void start_edge() {
    std::string error;
    ASSERT_TRUE(net_.enter(error)) << error;  // the capture counts this test's packets only
    ImsguardOptions o;  // SHA-256 first, MD5 too; baresip and sipp get MD5 alone (the default policy)
    ASSERT_TRUE(edge_.start(o)) << edge_.log();
    ASSERT_EQ(edge_.add_subscriber("carol@ims.local", "sip:carol@ims.local", "carol-secret"), "");
  }

  // carol on linphonec. The .linphonerc of docs/softphones.md, with free ports.
  void start_linphone(const LinphoneCall& call) {
    dir_ = edge_.data_dir() + "/linphone";
    std::filesystem::create_directories(dir_ + "/home/.local/share/linphone");  // its call-log database
    std::string t = call.transport;
    std::string sip = "[sip]\nsip_port=" + std::string(t == "udp" ? "-1" : "0") +
                      "\nsip_tcp_port=" + (t == "tcp" ? "-1" : "0") + "\nsip_tls_port=" + (t == "tls" ? "-1" : "0") +
                      "\ndefault_proxy=0\nroot_ca=" + edge_.data_dir() + "/pki/ca.crt\nverify_server_certs=1\n"
                      "media_encryption=" + call.encryption + "\nmedia_encryption_mandatory=" +
                      (call.encryption == "none" ? "0" : "1") + "\n";
    // reg_route: every request goes to the edge (the outbound proxy), not to ims.local's DNS.
    // Over TLS by the name "localhost": belle-sip's mbedTLS cannot read the IP address entries
    // of the certificate's subjectAltName and would refuse 127.0.0.1 as a name mismatch.
    std::string host = t == "tls" ? "localhost" : "127.0.0.1";
    std::string proxy = "<sip:" + host + ":" + std::to_string(edge_port(t)) + ";transport=" + t + ";lr>";
    write_file(dir_ + "/linphonerc",
               sip + "[proxy_0]\nreg_proxy=" + proxy + "\nreg_route=" + proxy +
                   "\nreg_identity=sip:carol@ims.local\nreg_expires=600\nreg_sendregister=1\n"
                   "[auth_info_0]\nusername=carol\nuserid=carol@ims.local\npasswd=carol-secret\nrealm=ims.local\n"
                   "algorithm=SHA-256\n[rtp]\naudio_rtp_port=" + std::to_string(linphone_rtp_port_ = free_port()) +
                   "\n[sound]\nplayback_dev_id=\ncapture_dev_id=\n");
    std::string fifo = dir_ + "/commands";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    fifo_ = ::open(fifo.c_str(), O_RDWR | O_CLOEXEC);  // O_RDWR: never blocks, keeps the FIFO open
    ASSERT_GE(fifo_, 0);
    std::string cmd = "exec /usr/bin/stdbuf -oL /usr/bin/linphonec " + std::string(call.linphone_calls ? "" : "-a ") +
                      "-c " + dir_ + "/linphonerc -d 3 -l " + dir_ + "/linphone.log < " + fifo;
    ASSERT_TRUE(linphone_.start({"/usr/bin/env", "HOME=" + dir_ + "/home", "/bin/sh", "-c", cmd}, dir_ + "/out"));
    linphone_command("soundcard use files");
    linphone_command("play /usr/share/sounds/linphone/hello8000.wav");
    linphone_command("record " + dir_ + "/received.wav");
    ASSERT_TRUE(eventually(
        [&] {
          linphone_command("status register");
          return linphone_out().find("registered, identity=sip:carol@ims.local") != std::string::npos;
        },
        30s))
        << linphone_out() << read_file(dir_ + "/linphone.log").substr(0, 20000) << edge_.events();
  }
  void linphone_command(const std::string& c) {
    std::string line = c + "\n";
    ASSERT_EQ(::write(fifo_, line.data(), line.size()), static_cast<ssize_t>(line.size()));
    std::this_thread::sleep_for(200ms);
  }
  std::string linphone_out() const { return read_file(dir_ + "/out"); }

  // alice on baresip, over the same transport.
  void start_baresip(const LinphoneCall& call) {
    bdir_ = edge_.data_dir() + "/baresip";
    std::filesystem::create_directories(bdir_);
    BaresipPorts ports = baresip_ports();
    const uint16_t sip_port = ports.sip;
    ctrl_port_ = ports.ctrl;
    // The keying modules load before account.so reads the account's mediaenc.
    std::string modules = "g711.so ausine.so aubridge.so ctrl_tcp.so";
    if (call.encryption == "srtp") modules += " srtp.so";
    if (call.encryption == "dtls") modules += " dtls_srtp.so";
    std::string config = "poll_method epoll\nsip_listen 127.0.0.1:" + std::to_string(sip_port) + "\nsip_cafile " +
                         edge_.data_dir() + "/pki/ca.crt\nmodule_path /usr/lib/baresip/modules\n";
    for (size_t at = 0; at < modules.size();) {
      size_t end = modules.find(' ', at);
      config += "module " + modules.substr(at, end - at) + "\n";
      at = end == std::string::npos ? modules.size() : end + 1;
    }
    config += "module_tmp account.so\nmodule_app menu.so\nctrl_tcp_listen 127.0.0.1:" + std::to_string(ctrl_port_) +
              "\naudio_source ausine,440\naudio_player aubridge,sink\nausrc_srate 48000\nausrc_channels 2\n"
              "rtp_stats yes\nrtcp_mux yes\n";
    write_file(bdir_ + "/config", config);
    std::string mediaenc = call.encryption == "srtp" ? ";mediaenc=srtp-mand"
                           : call.encryption == "dtls" ? ";mediaenc=dtls_srtp"
                                                       : "";
    write_file(bdir_ + "/accounts", "<sip:alice@ims.local;transport=" + call.transport + ">;auth_user=alice@ims.local;auth_pass=" +
                                        edge_.demo("digest", "password") + ";outbound=\"sip:127.0.0.1:" +
                                        std::to_string(edge_port(call.transport)) + ";transport=" + call.transport +
                                        "\";regint=600;audio_codecs=PCMU;answermode=" +
                                        (call.linphone_calls ? "auto" : "manual") + mediaenc + "\n");
    ASSERT_TRUE(baresip_.start({"/usr/bin/stdbuf", "-oL", "/usr/bin/baresip", "-s", "-n", "127.0.0.1", "-f", bdir_, "-t",
                                "90"},
                               bdir_ + "/log"));
    ASSERT_TRUE(eventually([&] { return baresip_log().find("200 OK () [1 binding]") != std::string::npos; }, 30s))
        << baresip_log() << edge_.log();
  }
  std::string baresip_log() const { return read_file(bdir_ + "/log"); }

  PrivateLoopback net_;  // first: left after the processes are stopped
  ImsguardProcess edge_;
  ChildProcess linphone_, baresip_;
  std::string dir_, bdir_;
  int fifo_ = -1;
  uint16_t ctrl_port_ = 0;
  uint16_t linphone_rtp_port_ = 0;
};

TEST_P(LinphoneWithBaresip, RegistersCallsMediaBothWaysAndBye) {
  const LinphoneCall call = GetParam();
  start_edge();
  if (HasFatalFailure()) return;
  start_linphone(call);
  if (HasFatalFailure()) return;
  start_baresip(call);
  if (HasFatalFailure()) return;
  // linphone answered SHA-256 (it is not in auth.md5_only_user_agents): its REGISTER carried it.
  EXPECT_NE(read_file(dir_ + "/linphone.log").find("algorithm=SHA-256, username=\"carol@ims.local\""), std::string::npos);

  RtpCapture capture;
  std::string capture_error;
  ASSERT_TRUE(capture.start(capture_error)) << capture_error;
  if (call.linphone_calls) linphone_command("call sip:alice@ims.local");
  else ASSERT_TRUE(baresip_command(ctrl_port_, "dial", "sip:carol@ims.local").ok) << baresip_log();
  ASSERT_TRUE(eventually([&] { return baresip_log().find("Call established") != std::string::npos; }, 20s))
      << baresip_log() << linphone_out() << edge_.log();
  ASSERT_TRUE(eventually([&] { return linphone_out().find("connected.") != std::string::npos; }, 10s)) << linphone_out();
  // Media both ways (50 packets/s each), until 150 each way crossed linphone's RTP port: baresip
  // then counts its 100 sent and received with room for the packets still in flight.
  EXPECT_TRUE(eventually([&] { return capture.rtp_like_from(linphone_rtp_port_) >= 150 &&
                                      capture.rtp_like_to(linphone_rtp_port_) >= 150; },
                         30s))
      << "from linphone " << capture.rtp_like_from(linphone_rtp_port_) << ", to linphone "
      << capture.rtp_like_to(linphone_rtp_port_) << ", all RTP " << capture.rtp_like();

  // The callee hangs up: a BYE through the edge to the caller.
  if (call.linphone_calls) ASSERT_TRUE(baresip_command(ctrl_port_, "hangup", "").ok) << baresip_log();
  else linphone_command("terminate");
  ASSERT_TRUE(eventually([&] { return baresip_packets(baresip_log(), 2) >= 0; }, 10s)) << baresip_log();
  ASSERT_TRUE(eventually([&] { return linphone_out().find(" ended (") != std::string::npos; }, 10s))
      << linphone_out() << edge_.log();
  linphone_command("quit");  // closes the recording
  EXPECT_EQ(linphone_.wait(10s), 0) << linphone_out();

  std::string b = baresip_log();
  EXPECT_GE(baresip_packets(b, 1), 100) << "baresip sent to linphone: " << b;
  EXPECT_GE(baresip_packets(b, 2), 100) << "baresip received from linphone: " << b;
  EXPECT_GE(loud_samples(dir_ + "/received.wav"), 8000u) << "linphone recorded baresip's tone (1 s at 8 kHz)";
  std::string events = edge_.events();
  std::string outcome = call.encryption == "srtp" ? "srtp-sdes" : call.encryption == "dtls" ? "srtp-dtls" : "rtp";
  EXPECT_NE(events.find("answer " + outcome + ": caller leg " + call.transport + ", callee leg " + call.transport),
            std::string::npos)
      << events;
  if (call.encryption == "srtp") {
    EXPECT_NE(b.find("SRTP is Enabled"), std::string::npos) << b;
  }
  if (call.encryption == "dtls") {
    EXPECT_NE(b.find("DTLS-SRTP complete"), std::string::npos) << b;
  }
}

INSTANTIATE_TEST_SUITE_P(Transports, LinphoneWithBaresip,
                         ::testing::Values(LinphoneCall{"udp", "none", false}, LinphoneCall{"udp", "none", true},
                                           LinphoneCall{"tcp", "none", true}, LinphoneCall{"tls", "none", false},
                                           LinphoneCall{"tls", "srtp", true}, LinphoneCall{"tls", "srtp", false},
                                           LinphoneCall{"udp", "dtls", true}),
                         [](const ::testing::TestParamInfo<LinphoneCall>& p) { return p.param.name(); });

}  // namespace
