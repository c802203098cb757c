// A real client, baresip from Debian (1.0), calls the media service through `imsguard run`
// (edge + core + servicebox, SRTP mandatory) and receives the service box's stream
// encrypted: with SDES (srtp.so, mediaenc=srtp-mand) and with DTLS-SRTP (dtls_srtp.so).
// Receipt is baresip's own account of the call (rtp_stats: packets received after its SRTP
// layer, which drops and logs what fails to decrypt); a raw capture on loopback shows the
// stream crossing and never the tone in clear; baresip's BYE is answered 200 by the box.
//
// baresip 1.0 notes: libre answers Digest with MD5 only (the edge offers MD5 alone here);
// ausine only produces 48 kHz stereo, hence ausrc_srate/ausrc_channels; its TLS listener
// is sip_listen's port + 1.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <regex>
#include <string>

#include "baresip_control.h"
#include "imsguard_process.h"
#include "loopback_capture.h"
#include "private_loopback.h"
#include "process.h"

namespace imsguard::media {
namespace {

using namespace std::chrono_literals;
using testkit::ChildProcess;
using testkit::read_file;

// The status line of the last response to `method` in baresip's SIP trace ("" if none):
// the "SIP/2.0 <code>" line closest before a "CSeq: <n> <method>" line of a response.
std::string response_status_for(const std::string& trace, const std::string& method) {
  std::string last;
  for (size_t pos = trace.find("CSeq: "); pos != std::string::npos; pos = trace.find("CSeq: ", pos + 1)) {
    size_t eol = trace.find_first_of("\r\n", pos);
    std::string line = trace.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    if (line.size() < method.size() + 1 || line.compare(line.size() - method.size() - 1, std::string::npos, " " + method) != 0)
      continue;
    size_t status = trace.rfind("SIP/2.0 ", pos);
    size_t request = trace.rfind(" SIP/2.0\n", pos);
    size_t request_crlf = trace.rfind(" SIP/2.0\r\n", pos);
    if (status == std::string::npos) continue;
    if (request != std::string::npos && request > status) continue;
    if (request_crlf != std::string::npos && request_crlf > status) continue;
    last = trace.substr(status, trace.find_first_of("\r\n", status) - status);
  }
  return last;
}

// "packets:   <tx>   <rx>" from baresip's rtp_stats summary; -1 when absent.
long received_packets(const std::string& trace, const std::string& row) {
  std::smatch m;
  std::regex re(row + ":\\s+([0-9]+)\\s+([0-9]+)");
  if (!std::regex_search(trace, m, re)) return -1;
  return std::stol(m.str(2));
}

class BaresipMedia : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(net_.enter(error)) << error;  // the capture counts this test's packets only
    testkit::ImsguardOptions o;
    o.roles = "[edge, core, servicebox]";
    o.digest_algorithms = "[MD5]";
    o.extra_yaml = "servicebox:\n  sip_listen: { address: 127.0.0.1, port: " + std::to_string(testkit::free_port()) +
                   " }\n  https_listen: { address: 127.0.0.1, port: " + std::to_string(testkit::free_port()) +
                   " }\n  services:\n    - { name: media, method: INVITE }\n"
                   "    - { name: messaging, method: MESSAGE }\n    - { name: content, method: GET }\n"
                   "media:\n  srtp_policy: mandatory\n";
    ASSERT_TRUE(node_.start(o)) << node_.log();
  }
  void TearDown() override {
    if (baresip_.running()) baresip_.stop();
    EXPECT_EQ(node_.stop(), 0) << node_.log();
    std::filesystem::remove_all(node_.data_dir());
  }

  // baresip registered over TLS as the demo user alice, with `mediaenc` for its media.
  void start_baresip(const std::string& mediaenc) {
    dir_ = node_.data_dir() + "/baresip";
    ASSERT_EQ(::mkdir(dir_.c_str(), 0700), 0);
    testkit::BaresipPorts ports = testkit::baresip_ports();
    const uint16_t sip_port = ports.sip;
    ctrl_port_ = ports.ctrl;
    testkit::write_file(dir_ + "/config",
                        "poll_method epoll\nsip_listen 127.0.0.1:" + std::to_string(sip_port) + "\nsip_cafile " +
                            node_.data_dir() + "/pki/ca.crt\nmodule_path /usr/lib/baresip/modules\n"
                            "module g711.so\nmodule srtp.so\nmodule dtls_srtp.so\nmodule ausine.so\n"
                            "module aubridge.so\nmodule rtcpsummary.so\nmodule_tmp account.so\nmodule_app menu.so\n"
                            "module ctrl_tcp.so\nctrl_tcp_listen 127.0.0.1:" + std::to_string(ctrl_port_) +
                            "\naudio_source ausine,440\naudio_player aubridge,sink\nausrc_srate 48000\n"
                            "ausrc_channels 2\nrtp_stats yes\nrtcp_mux yes\n");
    testkit::write_file(dir_ + "/accounts", "<sip:alice@ims.local;transport=tls>;auth_user=alice@ims.local;auth_pass=" +
                                                node_.demo("digest", "password") + ";outbound=\"sip:127.0.0.1:" +
                                                std::to_string(node_.tls_port()) +
                                                ";transport=tls\";regint=600;audio_codecs=PCMU;mediaenc=" + mediaenc +
                                                "\n");
    // stdbuf: baresip's stdout to a file is block-buffered, and the trace is read while it runs.
    ASSERT_TRUE(baresip_.start({"/usr/bin/stdbuf", "-oL", "/usr/bin/baresip", "-s", "-n", "127.0.0.1", "-f", dir_, "-t", "90"}, dir_ + "/log"));
    ASSERT_TRUE(testkit::eventually([&] { return trace().find("200 OK () [1 binding]") != std::string::npos; }, 30s))
        << trace() << node_.log();
  }
  std::string trace() const { return read_file(dir_ + "/log"); }

  testkit::PrivateLoopback net_;  // first: left after the processes are stopped
  testkit::ImsguardProcess node_;
  ChildProcess baresip_;
  std::string dir_;
  uint16_t ctrl_port_ = 0;
};

TEST_P(BaresipMedia, ReceivesTheServiceStreamEncrypted) {
  const std::string mediaenc = GetParam();
  start_baresip(mediaenc);
  testkit::RtpCapture capture;
  std::string error;
  ASSERT_TRUE(capture.start(error)) << error;

  auto dial = testkit::baresip_command(ctrl_port_, "dial", "sip:media@services.ims.local");
  ASSERT_TRUE(dial.ok) << dial.text;
  ASSERT_TRUE(testkit::eventually([&] { return trace().find("Call established") != std::string::npos; }, 20s))
      << trace() << node_.log();
  // The capture counts both directions (50 packets/s each): 300 on the wire is about three
  // seconds of stream, so baresip has received its 100 before the hangup (100 seen on the wire
  // were once 99 received by baresip, the other direction counting too).
  EXPECT_TRUE(testkit::eventually([&] { return capture.rtp_like() >= 300; }, 30s)) << capture.rtp_like();
  auto hangup = testkit::baresip_command(ctrl_port_, "hangup", "");
  EXPECT_TRUE(hangup.ok) << hangup.text;
  // baresip prints its rtp_stats when the call ends, then sends BYE.
  ASSERT_TRUE(testkit::eventually([&] { return received_packets(trace(), "errors") >= 0; }, 10s)) << trace();
  EXPECT_TRUE(testkit::eventually([&] { return !response_status_for(trace(), "BYE").empty(); }, 10s)) << trace();
  capture.stop();

  std::string t = trace();
  if (mediaenc == "dtls_srtp") {
    EXPECT_NE(t.find("dtls_srtp: verified sha-256 fingerprint OK"), std::string::npos) << t;
    EXPECT_NE(t.find("---> DTLS-SRTP complete"), std::string::npos) << t;
  } else {
    EXPECT_NE(t.find("srtp: audio: SRTP is Enabled"), std::string::npos) << t;
  }
  EXPECT_GE(received_packets(t, "packets"), 100) << t;
  EXPECT_EQ(received_packets(t, "errors"), 0) << t;
  EXPECT_EQ(t.find("failed to decrypt"), std::string::npos) << t;
  EXPECT_EQ(response_status_for(t, "BYE"), "SIP/2.0 200 OK") << t;
  EXPECT_GE(capture.rtp_like(), 100u);
  EXPECT_EQ(capture.plaintext_tone(), 0u) << "the tone crossed loopback in clear";
  EXPECT_TRUE(testkit::eventually(
      [&] {
        return node_.events().find(mediaenc == "dtls_srtp" ? "answer srtp-dtls" : "answer srtp-sdes") !=
               std::string::npos;
      },
      5s))
      << node_.events();
}

INSTANTIATE_TEST_SUITE_P(Keying, BaresipMedia, ::testing::Values("srtp-mand", "dtls_srtp"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param == "dtls_srtp" ? "DtlsSrtp" : "Sdes"; });

}  // namespace
}  // namespace imsguard::media
