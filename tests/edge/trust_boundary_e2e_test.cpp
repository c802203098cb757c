// The edge's trust boundary for header fields (edge/header_policy.h), attacked through a real
// `imsguard run`: two subscribers registered over raw UDP sockets (Digest), one sends the
// other a MESSAGE full of network-asserted headers written as an attacker would (any case,
// compact forms, Remote-Party-ID;screen=yes, Identity, charging, access network, called
// party, served user), and the callee answers with an identity and route set of its choice.
// Neither reaches the other side; one security event per message says what was removed.
#include "imsguard_process.h"
#include "process.h"
#include "digest_phone.h"
#include "scscf_peer.h"
#include "sip_socket.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// How often `needle` occurs in `haystack`.
size_t occurrences(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

class TrustBoundaryE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = make_temp_dir("imsguard-trust");
    for (const char* user : {"alice", "bob"}) {
      ChildProcess add;
      ASSERT_TRUE(add.start({IMSGUARD_BIN, "subscriber", "add", "--data-dir", dir, "--realm", "ims.local", "--impi",
                             std::string(user) + "@ims.local", "--impu", "sip:" + std::string(user) + "@ims.local",
                             "--password", std::string(user) + "-secret"},
                            dir + "/add-" + user + ".log"));
      ASSERT_EQ(add.wait(30s), 0) << read_file(dir + "/add-" + user + ".log");
    }
    ImsguardOptions o;
    o.tls = false;
    o.digest_algorithms = "[MD5]";
    o.data_dir = dir;
    // Raw-socket phones that do not answer a 407 (UdpRequestChallengeE2e covers it, with
    // forged headers too): the header table is this fixture's subject.
    o.auth_yaml = "  challenge_udp_requests: false\n";
    ASSERT_TRUE(edge_.start(o)) << edge_.log();
    ASSERT_TRUE(register_user(alice_, "alice")) << edge_.log();
    ASSERT_TRUE(register_user(bob_, "bob")) << edge_.log();
  }

  bool register_user(UdpPeer& peer, const std::string& user) { return register_digest(peer, edge_.sip_port(), user); }

  // A MESSAGE from alice to bob with `extra` header lines.
  std::string message(const std::string& call_id, const std::string& extra) const {
    std::string port = std::to_string(alice_.local_port());
    return "MESSAGE sip:bob@ims.local SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + port + ";branch=z9hG4bK" + call_id +
           "\r\nMax-Forwards: 70\r\nFrom: <sip:alice@ims.local>;tag=m" + port +
           "\r\nTo: <sip:bob@ims.local>\r\nCall-ID: " + call_id + "\r\nCSeq: 1 MESSAGE\r\n" + extra +
           "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";
  }

  ImsguardProcess edge_;
  UdpPeer alice_, bob_;
};

TEST_F(TrustBoundaryE2e, NetworkAssertedHeadersAClientWritesNeverReachTheCallee) {
  // F14: what a client may not say, in the spellings RFC 3261 7.3.1 makes equal.
  const std::string forged =
      "p-asserted-identity: <sip:bank@ims.local>\r\n"
      "y: eyJhbGciOiJFUzI1NiJ9.forged.sig;info=<https://evil.example/cert.pem>\r\n"
      "IDENTITY: second-forged-passport\r\n"
      "Remote-Party-ID: \"Bank\" <sip:bank@ims.local>;party=calling;screen=yes;privacy=off\r\n"
      "remote-party-id: <sip:bank@ims.local>;screen=yes\r\n"
      "P-Charging-Vector: icid-value=forged;orig-ioi=evil\r\n"
      "P-Charging-Function-Addresses: ccf=192.0.2.66\r\n"
      "P-Access-Network-Info: 3GPP-E-UTRAN-FDD; utran-cell-id-3gpp=00101abcd1234\r\n"
      "P-CALLED-PARTY-ID: <sip:premium@ims.local>\r\n"
      "P-Served-User: <sip:bank@ims.local>;sescase=orig\r\n"
      "Service-Route: <sip:evil@192.0.2.66;lr>\r\n"
      "Subject: still here\r\n";
  size_t events_before = occurrences(edge_.events(), "\"guard\":\"header_policy\"");
  ASSERT_TRUE(alice_.send(message("f14-1", forged), edge_.sip_port()));
  auto delivered = next_datagram(bob_, false);
  ASSERT_TRUE(delivered) << edge_.log();
  ASSERT_EQ(delivered->rfind("MESSAGE ", 0), 0u) << *delivered;
  std::string seen = lower(*delivered);
  for (const char* gone : {"bank@", "\r\ny:", "\r\nidentity:", "remote-party-id", "p-charging-vector",
                           "p-charging-function-addresses", "p-access-network-info", "p-called-party-id",
                           "premium@", "p-served-user", "service-route", "evil"})
    EXPECT_EQ(seen.find(gone), std::string::npos) << gone << " reached the callee:\n" << *delivered;
  // The identity the edge asserts is the authenticated one, and what a client may say stays.
  EXPECT_EQ(header_of(*delivered, "P-Asserted-Identity"), "<sip:alice@ims.local>") << *delivered;
  EXPECT_EQ(header_of(*delivered, "Subject"), "still here") << *delivered;
  // One event for the message, naming what went.
  ASSERT_TRUE(eventually([&] { return occurrences(edge_.events(), "\"guard\":\"header_policy\"") > events_before; }, 5s));
  std::string events = edge_.events();
  EXPECT_EQ(occurrences(events, "\"guard\":\"header_policy\""), events_before + 1) << events;
  EXPECT_NE(events.find("removed at client_request: P-Asserted-Identity, Identity, Remote-Party-ID"), std::string::npos)
      << events;
}

TEST_F(TrustBoundaryE2e, TheCalleesAnswerCannotAssertAnIdentityOrRouteSetTowardTheCaller) {
  // F7: bob answers alice's MESSAGE asserting the bank's identity and handing her a route set.
  ASSERT_TRUE(alice_.send(message("f7-1", ""), edge_.sip_port()));
  auto delivered = next_datagram(bob_, false);
  ASSERT_TRUE(delivered) << edge_.log();
  // A UAS answer copies Via, From, To, Call-ID and CSeq (RFC 3261 8.2.6).
  std::string answer = "SIP/2.0 200 OK\r\n";
  size_t line = delivered->find("\r\n") + 2;
  while (line < delivered->size()) {
    size_t end = delivered->find("\r\n", line);
    std::string h = delivered->substr(line, end - line);
    if (h.empty()) break;
    std::string name = lower(h.substr(0, h.find(':')));
    if (name == "via" || name == "v" || name == "from" || name == "f" || name == "call-id" || name == "i" ||
        name == "cseq")
      answer += h + "\r\n";
    else if (name == "to" || name == "t")
      answer += h + ";tag=bob1\r\n";
    line = end + 2;
  }
  answer +=
      "P-Asserted-Identity: <sip:bank@ims.local>\r\n"
      "P-Associated-URI: <sip:bank@ims.local>\r\n"
      "service-route: <sip:evil@192.0.2.66;lr>\r\n"
      "Path: <sip:evil@192.0.2.66;lr>\r\n"
      "Remote-Party-ID: \"Bank\" <sip:bank@ims.local>;party=called;screen=yes\r\n"
      "y: forged-passport\r\n"
      "P-Charging-Vector: icid-value=forged\r\n"
      "Content-Length: 0\r\n\r\n";
  ASSERT_TRUE(bob_.send(answer, edge_.sip_port()));
  auto relayed = next_datagram(alice_, true);
  ASSERT_TRUE(relayed) << edge_.log();
  EXPECT_EQ(status_of(*relayed), 200) << *relayed;
  std::string seen = lower(*relayed);
  for (const char* gone : {"bank@", "p-asserted-identity", "p-associated-uri", "service-route", "path:",
                           "remote-party-id", "\r\ny:", "p-charging-vector", "evil"})
    EXPECT_EQ(seen.find(gone), std::string::npos) << gone << " reached the caller:\n" << *relayed;
  EXPECT_TRUE(eventually(
      [&] { return edge_.events().find("removed at untrusted_response: P-Asserted-Identity") != std::string::npos; },
      5s))
      << edge_.events();
}

// Flow tokens bound to their dialog (edge/flow_token.h), in P-CSCF mode with the S-CSCF played
// by a raw UDP socket. The caller's Record-Route token is what a callee sees; taken out of
// its dialog and put in the Route of another request, it names nobody.
class FlowTokenBindingE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    ImsguardOptions o;
    o.tls = false;
    o.roles = "[edge]";
    o.extra_yaml = "core: { scscf: \"sip:127.0.0.1:" + std::to_string(scscf_.local_port()) + "\" }\n";
    ASSERT_TRUE(edge_.start(o)) << edge_.log();
  }

  // A request the S-CSCF sends toward the client along `route`.
  std::string from_core(const std::string& method, const std::string& call_id, const std::string& route) const {
    return method + " sip:alice@127.0.0.1:" + std::to_string(alice_.local_port()) +
           " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + std::to_string(scscf_.local_port()) + ";branch=z9hG4bK" +
           call_id + method + "\r\nRoute: " + route +
           "\r\nMax-Forwards: 70\r\nFrom: <sip:bob@ims.local>;tag=b1\r\nTo: <sip:alice@ims.local>;tag=a1\r\n"
           "Call-ID: " + call_id + "\r\nCSeq: 2 " + method + "\r\nP-Asserted-Identity: <sip:bank@ims.local>\r\n"
           "Content-Length: 0\r\n\r\n";
  }

  ScscfAndClient peers_;
  UdpPeer& scscf_ = peers_.scscf;
  UdpPeer& alice_ = peers_.alice;
  ImsguardProcess edge_;
};

TEST_F(FlowTokenBindingE2e, ACallersRecordRouteTokenRoutesOnlyWithinItsDialog) {
  // alice registers through the edge, the S-CSCF accepts; her INVITE reaches the S-CSCF with
  // the edge's Record-Route: what the callee will see.
  std::string rr;
  ASSERT_NO_FATAL_FAILURE(peers_.register_and_invite(edge_, "rr-reg", "rr-dialog", rr));
  // Out of its dialog, the token names nobody: 404, and alice sees nothing.
  ASSERT_TRUE(scscf_.send(from_core("MESSAGE", "rr-elsewhere", rr), edge_.sip_port()));
  auto refused = next_datagram(scscf_, true);
  ASSERT_TRUE(refused) << edge_.log();
  EXPECT_EQ(status_of(*refused), 404) << *refused;
  for (auto got = alice_.receive(1000ms); got; got = alice_.receive(300ms))
    EXPECT_EQ(got->find("rr-elsewhere"), std::string::npos) << "delivered out of its dialog:\n" << *got;
  // Inside its dialog it routes as it should (the BYE of that call reaches alice).
  ASSERT_TRUE(scscf_.send(from_core("BYE", "rr-dialog", rr), edge_.sip_port()));
  auto bye = next_datagram(alice_, false);
  ASSERT_TRUE(bye) << edge_.log();
  EXPECT_EQ(bye->rfind("BYE ", 0), 0u) << *bye;
  EXPECT_EQ(header_of(*bye, "Call-ID"), "rr-dialog") << *bye;
}

}  // namespace
