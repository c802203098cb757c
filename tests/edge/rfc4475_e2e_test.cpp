// Every RFC 4475 torture message sent over UDP to a real `imsguard run`: the edge answers
// what RFC 4475 says an element must answer (400, 505, 416, 420, 483, 501), drops what must
// be dropped (responses with overlarge codes, stray responses), and applies its own policy
// (401 challenge for REGISTER, 403 for requests from flows that are not registered) only to
// messages the RFC calls well formed. The process must survive all of it.
#include "imsguard_process.h"
#include "sip_socket.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

// file -> expected status (0: no answer at all).
const std::map<std::string, int> kExpected = {
    {"wsinv.dat", 403},      {"intmeth.dat", 501},   {"esc01.dat", 403},      {"escnull.dat", 401},
    {"esc02.dat", 501},      {"lwsdisp.dat", 403},   {"longreq.dat", 403},    {"dblreq.dat", 401},
    {"semiuri.dat", 403},    {"transports.dat", 403}, {"mpart01.dat", 403},   {"unreason.dat", 0},
    {"noreason.dat", 0},     {"badinv01.dat", 400},  {"clerr.dat", 400},      {"ncl.dat", 400},
    {"scalar02.dat", 400},   {"scalarlg.dat", 0},    {"quotbal.dat", 400},    {"ltgtruri.dat", 400},
    {"lwsruri.dat", 400},    {"lwsstart.dat", 400},  {"trws.dat", 400},       {"escruri.dat", 400},
    {"baddate.dat", 400},    {"regbadct.dat", 400},  {"badaspec.dat", 400},   {"baddn.dat", 400},
    {"badvers.dat", 505},    {"mismatch01.dat", 400}, {"mismatch02.dat", 501}, {"bigcode.dat", 0},
    {"badbranch.dat", 403},  {"insuf.dat", 400},     {"unkscm.dat", 416},     {"novelsc.dat", 416},
    {"unksm2.dat", 400},     {"bext01.dat", 420},    {"invut.dat", 403},      {"regaut01.dat", 401},
    {"multi01.dat", 400},    {"mcl01.dat", 400},     {"bcast.dat", 0},        {"zeromf.dat", 483},
    {"cparam01.dat", 401},   {"cparam02.dat", 401},  {"regescrt.dat", 401},   {"sdp01.dat", 403},
    {"inv2543.dat", 403},    {"test.dat", 400},      {"variants/baddn-with-final-crlf.dat", 400},
};

}  // namespace

TEST(Rfc4475OverUdp, EveryTortureMessageGetsTheExpectedAnswer) {
  ImsguardProcess edge;
  ASSERT_TRUE(edge.start()) << edge.log();
  std::string dir = std::string(IMSGUARD_TESTDATA) + "/rfc4475/";
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.path().extension() != ".dat") continue;
    ++files;
    std::string name = std::filesystem::relative(entry.path(), dir).string();
    auto it = kExpected.find(name);
    ASSERT_NE(it, kExpected.end()) << "no expectation for " << name;
    UdpPeer peer;
    ASSERT_TRUE(peer.send(read_file(entry.path().string()), edge.sip_port()));
    auto answer = peer.receive(it->second == 0 ? 400ms : 3000ms);
    if (it->second == 0) {
      EXPECT_FALSE(answer.has_value()) << name << " got " << answer->substr(0, answer->find('\r'));
    } else {
      ASSERT_TRUE(answer.has_value()) << name << ": no answer";
      EXPECT_EQ(status_of(*answer), it->second) << name << ": " << answer->substr(0, answer->find('\r'));
      // Refusals say why, in the reason phrase.
      std::string first_line = answer->substr(0, answer->find('\r'));
      EXPECT_GT(first_line.size(), 12u) << name;
    }
  }
  EXPECT_EQ(files, kExpected.size());
  // Still alive and answering after all of it.
  UdpPeer peer;
  peer.send("OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKafter\r\n"
            "From: <sip:a@ims.local>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: after\r\nCSeq: 1 OPTIONS\r\n"
            "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
            edge.sip_port());
  auto alive = peer.receive(3000ms);
  ASSERT_TRUE(alive);
  EXPECT_EQ(status_of(*alive), 200);
  // Each refusal left a security event line.
  EXPECT_NE(edge.events().find("\"guard\":\"parse\""), std::string::npos);
  EXPECT_NE(edge.events().find("\"guard\":\"sanity\""), std::string::npos);
  EXPECT_EQ(edge.stop(), 0) << edge.log();
}

TEST(Rfc4475OverTcp, FramingErrorsCloseTheConnectionAndValidMessagesAreAnswered) {
  ImsguardProcess edge;
  ASSERT_TRUE(edge.start({.tls = false})) << edge.log();
  std::string dir = std::string(IMSGUARD_TESTDATA) + "/rfc4475/";
  {
    // A negative Content-Length cannot be framed on a stream: the connection is closed.
    TcpPeer peer;
    ASSERT_TRUE(peer.connect(edge.sip_port()));
    ASSERT_TRUE(peer.send(read_file(dir + "ncl.dat")));
    EXPECT_TRUE(peer.closed_by_peer(5000ms));
  }
  {
    TcpPeer peer;
    ASSERT_TRUE(peer.connect(edge.sip_port()));
    ASSERT_TRUE(peer.send(read_file(dir + "badvers.dat")));
    auto answer = peer.receive_message(3000ms);
    ASSERT_TRUE(answer);
    EXPECT_EQ(status_of(*answer), 505);
  }
  EXPECT_EQ(edge.stop(), 0);
}
