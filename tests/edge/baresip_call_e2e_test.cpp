// Two real phones (baresip 1.0 from Debian) call each other through `imsguard run`, over UDP,
// TCP and TLS: both register, alice calls carol, carol answers, media flows both ways
// (baresip's own rtp_stats), hold and resume (re-INVITE), and the call ends with a BYE
// from one side, answered 200 by the other. Every in-dialog request each phone sends goes to
// the edge (baresip's SIP trace names the destination of each message), which relayed it
// (imsguard_proxy_requests_total{outcome="in_dialog"} in the metrics). SRTP: SDES over TLS
// (srtp-mand), DTLS-SRTP over UDP. CANCEL before answer stops the callee ringing. With
// media.srtp_policy mandatory a plain-RTP call between the two is refused with 488.
//
// baresip 1.0: libre answers Digest with MD5 only (MD5 is offered here); its TLS listener is
// sip_listen's port + 1.
#include "baresip_control.h"
#include "imsguard_process.h"
#include "process.h"
#include "loopback_capture.h"
#include "private_loopback.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <algorithm>
#include <regex>
#include <set>
#include <string>
#include <vector>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

long stat_column(const std::string& trace, const std::string& row, int column) {
  std::smatch m;
  std::regex re(row + ":\\s+([0-9]+)\\s+([0-9]+)");
  if (!std::regex_search(trace, m, re)) return -1;
  return std::stol(m.str(column));
}

// The requests in a phone's -s trace that did not come from the edge: (method, destination
// port). baresip prints each message as "<TRANSPORT> <source> -> <destination>", then the
// message, for both directions; whatever the edge did not send, the phone did.
std::vector<std::pair<std::string, std::string>> sent_requests(const std::string& trace, uint16_t edge_port) {
  std::vector<std::pair<std::string, std::string>> out;
  std::regex head("(UDP|TCP|TLS) 127\\.0\\.0\\.1:([0-9]+) -> 127\\.0\\.0\\.1:([0-9]+)[^\\n]*\\n([A-Z]+) [^ ]+ SIP/2\\.0");
  for (auto it = std::sregex_iterator(trace.begin(), trace.end(), head); it != std::sregex_iterator(); ++it)
    if ((*it)[2] != std::to_string(edge_port)) out.emplace_back((*it)[4], (*it)[3]);
  return out;
}

struct Phone {
  std::string dir;
  uint16_t sip_port = 0;
  uint16_t ctrl_port = 0;
  ChildProcess process;
  std::string trace() const { return read_file(dir + "/log"); }
  BaresipAnswer command(const std::string& c, const std::string& p = "") { return baresip_command(ctrl_port, c, p); }
};

struct Call {
  std::string transport;  // udp | tcp | tls
  std::string mediaenc;   // "" (plain RTP), srtp-mand, dtls_srtp
  std::string policy = "optional";
  std::string callee_transport;  // "": the caller's (else double record-routing, RFC 5658)
  std::string callee() const { return callee_transport.empty() ? transport : callee_transport; }
};

class BaresipCall : public ::testing::TestWithParam<Call> {
 protected:
  void start_edge(const std::string& policy) {
    std::string error;
    ASSERT_TRUE(net_.enter(error)) << error;  // the capture sees this test's datagrams only
    ImsguardOptions o;
    o.digest_algorithms = "[MD5]";
    o.extra_yaml = "media:\n  srtp_policy: " + policy + "\n";
    ASSERT_TRUE(edge_.start(o)) << edge_.log();
    ChildProcess add;
    ASSERT_TRUE(add.start({IMSGUARD_BIN, "subscriber", "add", "--data-dir", edge_.data_dir(), "--impi", "carol@ims.local",
                           "--impu", "sip:carol@ims.local", "--password", "carol-secret"},
                          edge_.data_dir() + "/add.log"));
    ASSERT_EQ(add.wait(30s), 0) << read_file(edge_.data_dir() + "/add.log");
  }
  void TearDown() override {
    for (Phone* p : {&alice_, &carol_})
      if (p->process.running()) p->process.stop();
    edge_.stop();
    std::filesystem::remove_all(edge_.data_dir());
  }
  void start_phone(Phone& p, const std::string& name, const std::string& user, const std::string& password,
                   const Call& call, const std::string& answermode) {
    p.dir = edge_.data_dir() + "/" + name;
    ASSERT_EQ(::mkdir(p.dir.c_str(), 0700), 0);
    BaresipPorts ports = baresip_ports();
    p.sip_port = ports.sip;
    p.ctrl_port = ports.ctrl;
    std::string modules = "module g711.so\nmodule ausine.so\nmodule aubridge.so\nmodule rtcpsummary.so\n";
    if (call.mediaenc == "srtp-mand") modules += "module srtp.so\n";
    if (call.mediaenc == "dtls_srtp") modules += "module dtls_srtp.so\n";
    write_file(p.dir + "/config", "poll_method epoll\nsip_listen 127.0.0.1:" + std::to_string(p.sip_port) +
                                      "\nsip_cafile " + edge_.data_dir() + "/pki/ca.crt\nmodule_path /usr/lib/baresip/modules\n" +
                                      modules + "module_tmp account.so\nmodule_app menu.so\nmodule ctrl_tcp.so\n"
                                      "ctrl_tcp_listen 127.0.0.1:" + std::to_string(p.ctrl_port) +
                                      "\naudio_source ausine,440\naudio_player aubridge,sink\nausrc_srate 48000\n"
                                      "ausrc_channels 2\nrtp_stats yes\nrtcp_mux yes\n");
    uint16_t edge_port = call.transport == "tls" ? edge_.tls_port() : edge_.sip_port();
    write_file(p.dir + "/accounts", "<sip:" + user + "@ims.local;transport=" + call.transport + ">;auth_user=" + user +
                                        "@ims.local;auth_pass=" + password + ";outbound=\"sip:127.0.0.1:" +
                                        std::to_string(edge_port) + ";transport=" + call.transport +
                                        "\";regint=600;audio_codecs=PCMU;answermode=" + answermode +
                                        (call.mediaenc.empty() ? "" : ";mediaenc=" + call.mediaenc) + "\n");
    ASSERT_TRUE(p.process.start({"/usr/bin/stdbuf", "-oL", "/usr/bin/baresip", "-s", "-n", "127.0.0.1", "-f", p.dir, "-t",
                                 "90"},
                                p.dir + "/log"));
    ASSERT_TRUE(eventually([&] { return p.trace().find("200 OK () [1 binding]") != std::string::npos; }, 30s))
        << p.trace() << edge_.log();
  }
  void start_both(const Call& call, const std::string& carol_answermode) {
    start_edge(call.policy);
    if (HasFatalFailure()) return;
    start_phone(alice_, "alice", "alice", edge_.demo("digest", "password"), call, "manual");
    if (HasFatalFailure()) return;
    Call carol_call = call;
    carol_call.transport = call.callee();
    start_phone(carol_, "carol", "carol", "carol-secret", carol_call, carol_answermode);
  }
  // Every request a phone sent after registering went to the edge's port.
  std::set<std::string> all_requests_went_to_the_edge(const Phone& p, uint16_t edge_port) {
    auto sent = sent_requests(p.trace(), edge_port);
    EXPECT_FALSE(sent.empty()) << p.trace();
    std::set<std::string> methods;
    for (const auto& [method, port] : sent) {
      methods.insert(method);
      EXPECT_EQ(port, std::to_string(edge_port)) << method << " went around the edge";
    }
    return methods;
  }

  PrivateLoopback net_;  // first: left after the processes are stopped
  ImsguardProcess edge_;
  Phone alice_, carol_;
};

TEST_P(BaresipCall, CallHoldResumeAndByeThroughTheEdge) {
  const Call call = GetParam();
  start_both(call, "auto");
  if (HasFatalFailure()) return;
  uint16_t edge_port = call.transport == "tls" ? edge_.tls_port() : edge_.sip_port();
  uint16_t carol_edge_port = call.callee() == "tls" ? edge_.tls_port() : edge_.sip_port();
  // Over UDP a capture on loopback sees every SIP datagram of the call: none may go from one
  // phone's port to the other's.
  SipCapture capture;
  std::string capture_error;
  bool udp = call.transport == "udp" && call.callee() == "udp";
  if (udp) {
    ASSERT_TRUE(capture.start(capture_error)) << capture_error;
  }
  ASSERT_TRUE(alice_.command("dial", "sip:carol@ims.local").ok) << alice_.trace();
  ASSERT_TRUE(eventually([&] { return alice_.trace().find("Call established") != std::string::npos &&
                                      carol_.trace().find("Call established") != std::string::npos; },
                         20s))
      << alice_.trace() << carol_.trace() << edge_.log();
  std::this_thread::sleep_for(2s);  // the call's length: media both ways (at 50 packets a second)
  // Hold and resume from the caller: two re-INVITEs through the edge, each answered 200 and
  // acknowledged before the next step (the ACKs alice sends count the transactions done).
  auto acks_sent = [&] {
    auto sent = sent_requests(alice_.trace(), edge_port);
    return std::count_if(sent.begin(), sent.end(), [](const auto& r) { return r.first == "ACK"; });
  };
  EXPECT_TRUE(alice_.command("hold").ok) << alice_.trace();
  ASSERT_TRUE(eventually([&] { return acks_sent() >= 2; }, 10s)) << "the hold was answered: " << alice_.trace();
  EXPECT_TRUE(alice_.command("resume").ok) << alice_.trace();
  ASSERT_TRUE(eventually([&] { return acks_sent() >= 3; }, 10s)) << "the resume was answered: " << alice_.trace();
  std::this_thread::sleep_for(1500ms);  // media again after the resume
  // The callee hangs up over TCP, the caller otherwise: BYE from each side.
  Phone& ender = call.transport == "tcp" ? carol_ : alice_;
  Phone& other = call.transport == "tcp" ? alice_ : carol_;
  ASSERT_TRUE(ender.command("hangup").ok) << ender.trace();
  ASSERT_TRUE(eventually([&] { return stat_column(ender.trace(), "packets", 2) >= 0; }, 10s)) << ender.trace();
  ASSERT_TRUE(eventually([&] { return other.trace().find("BYE sip:") != std::string::npos; }, 10s))
      << other.trace() << edge_.log();
  ASSERT_TRUE(eventually([&] { return stat_column(other.trace(), "packets", 2) >= 0; }, 10s)) << other.trace();

  if (udp) {
    capture.stop();
    size_t bye = 0, ack = 0, reinvite = 0;
    for (const auto& d : capture.seen()) {
      bool phone_to_phone = (d.from_port == alice_.sip_port && d.to_port == carol_.sip_port) ||
                            (d.from_port == carol_.sip_port && d.to_port == alice_.sip_port);
      EXPECT_FALSE(phone_to_phone) << d.from_port << " -> " << d.to_port << ": " << d.first_line;
      if (d.to_port != edge_port) continue;
      if (d.first_line.rfind("BYE ", 0) == 0) ++bye;
      if (d.first_line.rfind("ACK ", 0) == 0) ++ack;
      if (d.first_line.rfind("INVITE sip:carol-", 0) == 0) ++reinvite;  // to her Contact: in-dialog
    }
    EXPECT_GE(bye, 1u) << "the BYE crossed loopback to the edge";
    EXPECT_GE(ack, 3u) << "ACKs of the INVITE and both re-INVITEs to the edge";
    EXPECT_GE(reinvite, 2u) << "hold and resume, sent to the edge";
  }
  for (Phone* p : {&alice_, &carol_}) {
    std::string t = p->trace();
    EXPECT_GE(stat_column(t, "packets", 1), 100) << "sent: " << t;
    EXPECT_GE(stat_column(t, "packets", 2), 100) << "received: " << t;
    EXPECT_EQ(stat_column(t, "errors", 2), 0) << t;
    if (call.mediaenc == "srtp-mand") {
      EXPECT_NE(t.find("SRTP is Enabled"), std::string::npos) << t;
    }
    if (call.mediaenc == "dtls_srtp") {
      EXPECT_NE(t.find("DTLS-SRTP complete"), std::string::npos) << t;
    }
    auto methods = all_requests_went_to_the_edge(*p, p == &alice_ ? edge_port : carol_edge_port);
    if (p == &ender) {
      EXPECT_TRUE(methods.count("BYE")) << "the BYE was sent: " << t;
    }
    if (p == &alice_) {
      EXPECT_TRUE(methods.count("ACK")) << t;
      auto sent = sent_requests(t, edge_port);  // alice's
      EXPECT_GE(std::count(sent.begin(), sent.end(), std::pair<std::string, std::string>("INVITE", std::to_string(edge_port))),
                3)
          << "INVITE, hold and resume re-INVITEs: " << t;
    }
  }
  if (!call.callee_transport.empty()) {
    // RFC 5658: one entry per listener, the callee's transport on top.
    std::string c0 = carol_.trace();
    size_t top = c0.find("Record-Route: <sip:edge@127.0.0.1:" + std::to_string(carol_edge_port) + ";transport=tls;lr;igd=");
    size_t bottom = c0.find("Record-Route: <sip:edge@127.0.0.1:" + std::to_string(edge_port) + ";lr;igd=");
    EXPECT_NE(top, std::string::npos) << c0;
    EXPECT_NE(bottom, std::string::npos) << c0;
    EXPECT_LT(top, bottom) << c0;
  }
  // Two re-INVITEs (hold, resume) after the first INVITE reached carol, through the edge.
  size_t invites = 0;
  std::string c = carol_.trace();
  for (size_t at = c.find("\nINVITE sip:"); at != std::string::npos; at = c.find("\nINVITE sip:", at + 1)) ++invites;
  EXPECT_GE(invites, 3u) << "the initial INVITE, hold and resume reached carol: " << c;
  std::string events = edge_.events();
  std::string outcome = call.mediaenc == "srtp-mand" ? "answer srtp-sdes" : call.mediaenc == "dtls_srtp" ? "answer srtp-dtls" : "answer rtp";
  EXPECT_NE(events.find(outcome), std::string::npos) << events;
  // Over UDP the caller's INVITE proved its sender first (issue 17 F8a): baresip got the
  // edge's 407 and answered it with Proxy-Authorization; TCP and TLS callers are not asked.
  std::string a = alice_.trace();
  bool challenged = a.find("SIP/2.0 407 Proxy Authentication Required") != std::string::npos;
  EXPECT_EQ(challenged, call.transport == "udp") << a;
  if (call.transport == "udp") {
    EXPECT_NE(a.find("Proxy-Authorization: Digest"), std::string::npos) << a;
  }
}

INSTANTIATE_TEST_SUITE_P(Transports, BaresipCall,
                         ::testing::Values(Call{"udp", "dtls_srtp"}, Call{"tcp", ""}, Call{"tls", "srtp-mand"},
                                           Call{"udp", "dtls_srtp", "optional", "tls"}),
                         [](const ::testing::TestParamInfo<Call>& p) {
                           return p.param.transport + (p.param.callee_transport.empty() ? "" : "To" + p.param.callee_transport) +
                                  (p.param.mediaenc.empty() ? std::string("Rtp")
                                                        : p.param.mediaenc == "dtls_srtp" ? std::string("DtlsSrtp")
                                                                                           : std::string("Sdes"));
                         });

class BaresipCallControl : public BaresipCall {};

TEST_F(BaresipCallControl, CancelBeforeAnswerStopsTheCalleeRinging) {
  start_both(Call{"tcp", ""}, "manual");
  if (HasFatalFailure()) return;
  ASSERT_TRUE(alice_.command("dial", "sip:carol@ims.local").ok) << alice_.trace();
  ASSERT_TRUE(eventually([&] { return carol_.trace().find("Incoming call") != std::string::npos; }, 20s))
      << carol_.trace() << edge_.log();
  ASSERT_TRUE(alice_.command("hangup").ok) << alice_.trace();
  ASSERT_TRUE(eventually([&] { return carol_.trace().find("CANCEL sip:") != std::string::npos; }, 10s))
      << carol_.trace() << edge_.log();
  // Carol's INVITE server transaction matched the CANCEL: 200 to the CANCEL, 487 to the INVITE.
  EXPECT_TRUE(eventually([&] { return carol_.trace().find("SIP/2.0 487") != std::string::npos; }, 10s)) << carol_.trace();
  // A status line, not the digits: a branch or token in hex may hold "481".
  EXPECT_EQ(carol_.trace().find("SIP/2.0 481"), std::string::npos) << carol_.trace();
}

TEST_F(BaresipCallControl, MandatoryPolicyRefusesAPlainRtpCallBetweenSubscribers) {
  start_both(Call{"udp", "", "mandatory"}, "auto");
  if (HasFatalFailure()) return;
  ASSERT_TRUE(alice_.command("dial", "sip:carol@ims.local").ok) << alice_.trace();
  ASSERT_TRUE(eventually([&] { return alice_.trace().find("SIP/2.0 488") != std::string::npos; }, 20s))
      << alice_.trace() << edge_.log();
  EXPECT_EQ(carol_.trace().find("INVITE sip:carol"), std::string::npos) << "the offer never reached carol";
  EXPECT_NE(edge_.events().find("offer refused"), std::string::npos) << edge_.events();
}

}  // namespace
