// identity.topology_hiding against a running `imsguard run` in P-CSCF mode, with the S-CSCF
// played by a UDP socket on 127.0.0.2 and a phone by one on 127.0.0.1. The S-CSCF answers the
// phone's REGISTER with a Service-Route, a Path of an internal I-CSCF, a Server header and a
// Warning naming itself; it then sends the phone a terminating INVITE carrying the Vias and
// Record-Route entries of itself and of an application server (as1.core.internal). The test
// captures every byte the phone receives: with the key on (the default) no internal host
// name or address is in any of them, yet the dialog works: the phone's 200 OK reaches the
// S-CSCF with the S-CSCF's own Vias and Record-Route, the phone's BYE along its route set
// reaches it with the Route it recorded, and a MESSAGE preloaded with the (sealed)
// Service-Route reaches it with its Service-Route. With the key off the phone sees the
// internal hops: the control that shows the test watches the defence.
#include "imsguard_process.h"
#include "process.h"
#include "sip_socket.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

// Every value of header `name` in `message` (all lines, comma-joined).
std::string all_of(const std::string& message, const std::string& name) {
  std::string out;
  size_t at = 0;
  while ((at = message.find("\r\n" + name + ": ", at)) != std::string::npos) {
    at += name.size() + 4;
    size_t end = message.find("\r\n", at);
    out += (out.empty() ? "" : ", ") + message.substr(at, end - at);
  }
  return out;
}

class TopologyHidingE2e : public ::testing::Test {
 protected:
  void start(bool hiding) {
    ImsguardOptions o;
    o.tls = false;
    o.roles = "[edge]";
    o.extra_yaml = "core:\n  scscf: \"sip:127.0.0.2:" + std::to_string(scscf_.local_port()) + "\"\n" +
                   "identity:\n  assert_authenticated: true\n  topology_hiding: " + (hiding ? "true" : "false") + "\n";
    ASSERT_TRUE(edge_.start(o)) << edge_.log();
    scscf_host_ = "127.0.0.2:" + std::to_string(scscf_.local_port());
    as_uri_ = "sip:as@" + scscf_host_;
  }

  std::optional<std::string> next(UdpPeer& peer, bool want_response) {
    for (auto got = peer.receive(5s); got; got = peer.receive(5s)) {
      if (&peer == &alice_) seen_by_alice_.push_back(*got);
      if ((status_of(*got) > 0) == want_response) return got;
    }
    return std::nullopt;
  }

  // A UAS's answer: Via and Record-Route copied as received, a To tag.
  static std::string answer_to(const std::string& request, const std::string& extra) {
    std::string out = "SIP/2.0 200 OK\r\n";
    for (const char* name : {"Via", "Record-Route", "From", "Call-ID", "CSeq"}) {
      std::string v = all_of(request, name);
      if (!v.empty()) out += std::string(name) + ": " + v + "\r\n";
    }
    return out + "To: " + all_of(request, "To") + ";tag=t" + std::to_string(request.size()) + "\r\n" + extra +
           "Content-Length: 0\r\n\r\n";
  }

  std::string alice_request(const std::string& method, const std::string& ruri, const std::string& call_id,
                            const std::string& extra) const {
    std::string port = std::to_string(alice_.local_port());
    return method + " " + ruri + " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + port + ";branch=z9hG4bK" + call_id +
           method + "\r\nMax-Forwards: 70\r\nFrom: <sip:alice@ims.local>;tag=a" + port + "\r\n" + extra +
           "Call-ID: " + call_id + "\r\nContact: <sip:alice@127.0.0.1:" + port + ">\r\nContent-Length: 0\r\n\r\n";
  }

  // alice registers; the S-CSCF's 200 OK carries everything a registrar of the network adds.
  void register_alice() {
    ASSERT_TRUE(alice_.send(alice_request("REGISTER", "sip:ims.local", "th-reg",
                                          "To: <sip:alice@ims.local>\r\nCSeq: 1 REGISTER\r\nExpires: 600\r\n"),
                            edge_.sip_port()));
    auto reg = next(scscf_, false);
    ASSERT_TRUE(reg) << edge_.log();
    path_ = all_of(*reg, "Path");
    ASSERT_NE(path_.find("igf="), std::string::npos) << *reg;
    ASSERT_TRUE(scscf_.send(answer_to(*reg, "Path: " + path_ + ", <sip:icscf@as1.core.internal;lr>\r\n"
                                            "Service-Route: <sip:orig@" + scscf_host_ + ";lr>, <sip:orig@as1.core.internal;lr>\r\n"
                                            "P-Associated-URI: <sip:alice@ims.local>\r\n"
                                            "Contact: <sip:alice@127.0.0.1:" + std::to_string(alice_.local_port()) +
                                            ">;expires=600\r\nServer: CoreSwitch/9.9 (scscf1.core.internal)\r\n"
                                            "Warning: 399 " + scscf_host_ + " \"registered by scscf1.core.internal\"\r\n"),
                            edge_.sip_port()));
    auto ok = next(alice_, true);
    ASSERT_TRUE(ok) << edge_.log();
    ASSERT_EQ(status_of(*ok), 200) << *ok;
    registered_ = *ok;
  }

  // The terminating INVITE, from an application server through the S-CSCF.
  std::string core_invite(const std::string& contact = "<sip:bob@198.51.100.20:5060>",
                          const std::string& call_id = "th-dialog") const {
    return "INVITE sip:alice@127.0.0.1:" + std::to_string(alice_.local_port()) + " SIP/2.0\r\n"
           "Via: SIP/2.0/UDP " + scscf_host_ + ";branch=z9hG4bKcore-inv\r\n"
           "Via: SIP/2.0/UDP as1.core.internal:5060;branch=z9hG4bKas-inv;received=127.0.0.2\r\n"
           "Route: " + path_ + "\r\n"
           "Record-Route: <sip:" + scscf_host_ + ";lr>, <sip:as1.core.internal;lr>\r\n"
           "Max-Forwards: 69\r\nFrom: <sip:bob@ims.local>;tag=b1\r\nTo: <sip:alice@ims.local>\r\n"
           "Call-ID: " + call_id + "\r\nCSeq: 7 INVITE\r\nContact: " + contact + "\r\n"
           "User-Agent: CoreSwitch-AS/9.9\r\nContent-Length: 0\r\n\r\n";
  }

  // What no byte alice receives may carry while hiding is on.
  std::vector<std::string> internal() const { return {"core.internal", "127.0.0.2", "CoreSwitch"}; }
  std::string leaks() const {
    std::string out;
    for (const auto& m : seen_by_alice_)
      for (const auto& needle : internal())
        if (m.find(needle) != std::string::npos) out += "'" + needle + "' in:\n" + m + "\n";
    return out;
  }

  UdpPeer scscf_{"127.0.0.2"}, alice_;
  ImsguardProcess edge_;
  std::string scscf_host_, as_uri_, path_, registered_;
  std::vector<std::string> seen_by_alice_;
};

TEST_F(TopologyHidingE2e, TheClientSeesOnlyTheEdgeAndTheDialogStillReachesTheCore) {
  ASSERT_NO_FATAL_FAILURE(start(/*hiding=*/true));
  ASSERT_NO_FATAL_FAILURE(register_alice());
  std::string service_route = all_of(registered_, "Service-Route");
  ASSERT_NE(service_route.find(";igh="), std::string::npos) << registered_;
  EXPECT_EQ(all_of(registered_, "Server"), "") << registered_;
  // The agent is the domain; a text that could name a host (a '.', ':' or '@') is emptied.
  EXPECT_EQ(all_of(registered_, "Warning"), "399 ims.local \"\"") << registered_;
  EXPECT_EQ(all_of(registered_, "Path"), path_) << registered_;

  // The terminating INVITE: one Via (the edge's), the edge's Record-Routes only.
  ASSERT_TRUE(scscf_.send(core_invite(), edge_.sip_port()));
  auto invite = next(alice_, false);
  ASSERT_TRUE(invite) << edge_.log();
  std::string via = all_of(*invite, "Via");
  EXPECT_EQ(via.find(','), std::string::npos) << *invite;
  EXPECT_NE(via.find(";igh="), std::string::npos) << *invite;
  std::string rr = all_of(*invite, "Record-Route");
  ASSERT_NE(rr.find(";igh="), std::string::npos) << *invite;

  // alice's 200 OK: the S-CSCF gets its own Vias and Record-Route back, in order.
  ASSERT_TRUE(alice_.send(answer_to(*invite, ""), edge_.sip_port()));
  auto ok = next(scscf_, true);
  ASSERT_TRUE(ok) << edge_.log();
  EXPECT_EQ(all_of(*ok, "Via").rfind("SIP/2.0/UDP " + scscf_host_ + ";branch=z9hG4bKcore-inv, SIP/2.0/UDP "
                                     "as1.core.internal:5060;branch=z9hG4bKas-inv;received=127.0.0.2", 0),
            0u)
      << *ok;
  EXPECT_NE(all_of(*ok, "Record-Route").find("<sip:" + scscf_host_ + ";lr>, <sip:as1.core.internal;lr>"), std::string::npos)
      << *ok;
  EXPECT_EQ(ok->find("igh="), std::string::npos) << *ok;

  // alice hangs up along her route set (the Record-Route in order, RFC 3261 12.1.1).
  ASSERT_TRUE(alice_.send(alice_request("BYE", "sip:bob@198.51.100.20:5060", "th-dialog",
                                        "Route: " + rr + "\r\nTo: <sip:bob@ims.local>;tag=b1\r\nCSeq: 1 BYE\r\n"),
                          edge_.sip_port()));
  auto bye = next(scscf_, false);
  ASSERT_TRUE(bye) << edge_.log();
  EXPECT_EQ(all_of(*bye, "Route"), "<sip:" + scscf_host_ + ";lr>, <sip:as1.core.internal;lr>") << *bye;
  ASSERT_TRUE(scscf_.send(answer_to(*bye, "Server: CoreSwitch/9.9\r\n"), edge_.sip_port()));
  auto bye_ok = next(alice_, true);
  ASSERT_TRUE(bye_ok) << edge_.log();
  EXPECT_EQ(status_of(*bye_ok), 200);

  // A request preloaded with the Service-Route alice was given (RFC 3608).
  ASSERT_TRUE(alice_.send(alice_request("MESSAGE", "sip:bob@ims.local", "th-message",
                                        "Route: <sip:127.0.0.1:" + std::to_string(edge_.sip_port()) + ";lr>, " +
                                            service_route + "\r\nTo: <sip:bob@ims.local>\r\nCSeq: 1 MESSAGE\r\n"),
                          edge_.sip_port()));
  auto message = next(scscf_, false);
  ASSERT_TRUE(message) << edge_.log();
  EXPECT_EQ(all_of(*message, "Route"), "<sip:orig@" + scscf_host_ + ";lr>, <sip:orig@as1.core.internal;lr>") << *message;
  ASSERT_TRUE(scscf_.send(answer_to(*message, "Warning: 399 as1.core.internal \"stored\"\r\n"), edge_.sip_port()));
  auto message_ok = next(alice_, true);
  ASSERT_TRUE(message_ok) << edge_.log();
  EXPECT_EQ(all_of(*message_ok, "Warning"), "399 ims.local \"stored\"") << *message_ok;

  // A sealed route moved into another dialog routes nothing.
  ASSERT_TRUE(alice_.send(alice_request("BYE", "sip:bob@198.51.100.20:5060", "th-other",
                                        "Route: " + rr + "\r\nTo: <sip:bob@ims.local>;tag=b1\r\nCSeq: 1 BYE\r\n"),
                          edge_.sip_port()));
  auto refused = next(alice_, true);
  ASSERT_TRUE(refused) << edge_.log();
  EXPECT_EQ(status_of(*refused), 403) << *refused;

  EXPECT_EQ(leaks(), "");
  EXPECT_GE(seen_by_alice_.size(), 5u);
}

// An application server on the S-CSCF's host is the remote target of a dialog, both in a
// terminating INVITE and in the 200 OK to alice's own INVITE: alice sees the edge as the
// target, and what she sends to it inside the dialog reaches the core addressed to the AS.
TEST_F(TopologyHidingE2e, TheCoresContactNamesTheEdgeAndInDialogRequestsReachTheCoreAddressedToIt) {
  ASSERT_NO_FATAL_FAILURE(start(/*hiding=*/true));
  ASSERT_NO_FATAL_FAILURE(register_alice());
  const std::string edge_uri = "<sip:edge@127.0.0.1:" + std::to_string(edge_.sip_port()) + ";igh=";

  // The core's request: its Contact names the edge.
  ASSERT_TRUE(scscf_.send(core_invite("<sip:" + as_uri_.substr(4) + ">;isfocus"), edge_.sip_port()));
  auto invite = next(alice_, false);
  ASSERT_TRUE(invite) << edge_.log();
  std::string contact = all_of(*invite, "Contact");
  ASSERT_EQ(contact.rfind(edge_uri, 0), 0u) << *invite;
  EXPECT_EQ(contact.substr(contact.find('>')), ">;isfocus") << *invite;
  std::string target = contact.substr(1, contact.find('>') - 1);
  std::string rr = all_of(*invite, "Record-Route");
  ASSERT_TRUE(alice_.send(answer_to(*invite, ""), edge_.sip_port()));
  ASSERT_TRUE(next(scscf_, true)) << edge_.log();
  // alice's BYE to the Contact she was given, along her route set: the core gets the AS's URI.
  ASSERT_TRUE(alice_.send(alice_request("BYE", target, "th-dialog",
                                        "Route: " + rr + "\r\nTo: <sip:bob@ims.local>;tag=b1\r\nCSeq: 1 BYE\r\n"),
                          edge_.sip_port()));
  auto bye = next(scscf_, false);
  ASSERT_TRUE(bye) << edge_.log();
  EXPECT_EQ(bye->rfind("BYE " + as_uri_ + " SIP/2.0\r\n", 0), 0u) << *bye;
  EXPECT_EQ(all_of(*bye, "Route"), "<sip:" + scscf_host_ + ";lr>, <sip:as1.core.internal;lr>") << *bye;
  ASSERT_TRUE(scscf_.send(answer_to(*bye, ""), edge_.sip_port()));
  auto bye_ok = next(alice_, true);
  ASSERT_TRUE(bye_ok) << edge_.log();
  EXPECT_EQ(status_of(*bye_ok), 200) << *bye_ok;

  // The core's answer: alice calls out, the 200 OK's Contact names the edge.
  ASSERT_TRUE(alice_.send(alice_request("INVITE", "sip:bob@ims.local", "th-out",
                                        "To: <sip:bob@ims.local>\r\nCSeq: 1 INVITE\r\n"),
                          edge_.sip_port()));
  auto out = next(scscf_, false);
  ASSERT_TRUE(out) << edge_.log();
  // alice's own Contact reaches the core as she wrote it.
  EXPECT_EQ(all_of(*out, "Contact"), "<sip:alice@127.0.0.1:" + std::to_string(alice_.local_port()) + ">") << *out;
  ASSERT_TRUE(scscf_.send(answer_to(*out, "Contact: <" + as_uri_ + ">\r\nServer: CoreSwitch/9.9\r\n"), edge_.sip_port()));
  auto out_ok = next(alice_, true);
  while (out_ok && status_of(*out_ok) < 200) out_ok = next(alice_, true);  // a 100 Trying first
  ASSERT_TRUE(out_ok) << edge_.log();
  ASSERT_EQ(status_of(*out_ok), 200) << *out_ok;
  contact = all_of(*out_ok, "Contact");
  ASSERT_EQ(contact.rfind(edge_uri, 0), 0u) << *out_ok;
  target = contact.substr(1, contact.find('>') - 1);
  // The ACK (in the dialog, RFC 3261 13.2.2.4) to that target, along the route set.
  ASSERT_TRUE(alice_.send(alice_request("ACK", target, "th-out",
                                        "Route: " + all_of(*out_ok, "Record-Route") + "\r\nTo: " +
                                            all_of(*out_ok, "To") + "\r\nCSeq: 1 ACK\r\n"),
                          edge_.sip_port()));
  auto ack = next(scscf_, false);
  ASSERT_TRUE(ack) << edge_.log();
  EXPECT_EQ(ack->rfind("ACK " + as_uri_ + " SIP/2.0\r\n", 0), 0u) << *ack;

  // A seal moved into another dialog is refused.
  ASSERT_TRUE(alice_.send(alice_request("BYE", target, "th-elsewhere",
                                        "To: <sip:bob@ims.local>;tag=b1\r\nCSeq: 2 BYE\r\n"),
                          edge_.sip_port()));
  auto refused = next(alice_, true);
  ASSERT_TRUE(refused) << edge_.log();
  EXPECT_EQ(status_of(*refused), 403) << *refused;

  EXPECT_EQ(leaks(), "");
}

TEST_F(TopologyHidingE2e, WithTheKeyOffTheCoresContactReachesTheClient) {
  ASSERT_NO_FATAL_FAILURE(start(/*hiding=*/false));
  ASSERT_NO_FATAL_FAILURE(register_alice());
  ASSERT_TRUE(scscf_.send(core_invite("<" + as_uri_ + ">"), edge_.sip_port()));
  auto invite = next(alice_, false);
  ASSERT_TRUE(invite) << edge_.log();
  EXPECT_EQ(all_of(*invite, "Contact"), "<" + as_uri_ + ">") << *invite;
}

TEST_F(TopologyHidingE2e, WithTheKeyOffTheClientSeesTheCoresHosts) {
  ASSERT_NO_FATAL_FAILURE(start(/*hiding=*/false));
  ASSERT_NO_FATAL_FAILURE(register_alice());
  EXPECT_NE(all_of(registered_, "Service-Route").find("as1.core.internal"), std::string::npos) << registered_;
  ASSERT_TRUE(scscf_.send(core_invite(), edge_.sip_port()));
  auto invite = next(alice_, false);
  ASSERT_TRUE(invite) << edge_.log();
  EXPECT_NE(all_of(*invite, "Via").find("SIP/2.0/UDP " + scscf_host_), std::string::npos) << *invite;
  EXPECT_NE(all_of(*invite, "Record-Route").find("as1.core.internal"), std::string::npos) << *invite;
  EXPECT_NE(leaks(), "");
}

}  // namespace
