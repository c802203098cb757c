// Topology hiding (identity.topology_hiding, edge/topology_hiding.h) through edge::Proxy in
// P-CSCF mode, without sockets: what the S-CSCF sends toward a client (a terminating INVITE
// with the Vias and Record-Route of internal hops, a REGISTER answer with Service-Route, Path,
// Server and Warning) reaches the client naming only the edge, and what the client sends
// back (its answer echoing the sealed Via and Record-Route, an in-dialog BYE, a request
// preloaded with the sealed Service-Route) reaches the S-CSCF exactly as the network wrote it.
// With the key off the internal names go through (the control). Also the seal itself and the
// service box's answers.
#include "edge/topology_hiding.h"
#include "../support/test_telemetry.h"

#include "proxy_under_test.h"
#include "sip/parser.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace imsguard::edge {
namespace {

// A parsed message that owns its bytes, with its source recorded as the transport does.
struct Parsed {
  Parsed(std::string text, const net::Flow& from) : bytes(std::move(text)) {
    ok = sip::parse_datagram(bytes, sip::Limits{}, msg).status == sip::ParseStatus::kOk;
    if (ok && msg.is_request()) msg.set_received_from(sip::ReceivedFrom(from.address.to_string(), from.port));
  }
  std::string bytes;
  sip::Message msg;
  bool ok = false;
};

std::string header(const std::string& message, const std::string& name) {
  std::string out;
  size_t at = 0;
  while ((at = message.find("\r\n" + name + ": ", at)) != std::string::npos) {
    at += name.size() + 4;
    size_t end = message.find("\r\n", at);
    out += (out.empty() ? "" : ", ") + message.substr(at, end - at);
  }
  return out;
}

// What the network's elements write, and what must never reach a client.
constexpr const char* kInternal[] = {"core.internal", "10.20.30.", "InternalCore"};

void expect_nothing_internal(const std::string& bytes) {
  for (const char* needle : kInternal) EXPECT_EQ(bytes.find(needle), std::string::npos) << needle << " in:\n" << bytes;
}

class TopologyHidingProxy : public ::testing::Test, protected ProxyUnderTest {
 protected:
  void build(bool hiding) {
    config.core.scscf = "sip:10.9.0.5:5060";
    config.identity.topology_hiding = hiding;
    ProxyUnderTest::build();
  }

  // The terminating INVITE the S-CSCF sends toward bob, routed by his Path.
  std::string core_invite(const std::string& contact = "<sip:alice@203.0.113.5:5060>") const {
    std::string path = "<sip:term@192.0.2.10:5060;lr;igf=" +
                       proxy->tokens().encode(client, FlowPurpose::kPath, {}, unix_now() + 600) + ">";
    return "INVITE sip:bob@198.51.100.7:40000 SIP/2.0\r\n"
           "Via: SIP/2.0/UDP scscf1.core.internal:5060;branch=z9hG4bKcore1\r\n"
           "Via: SIP/2.0/UDP 10.20.30.40:5060;branch=z9hG4bKas1\r\n"
           "Route: " + path + ", <sip:leftover@10.20.30.99;lr>\r\n"
           "Record-Route: <sip:scscf1.core.internal;lr>\r\n"
           "Record-Route: <sip:10.20.30.40;lr>\r\n"
           "Max-Forwards: 70\r\nFrom: <sip:alice@ims.local>;tag=a1\r\nTo: <sip:bob@ims.local>\r\n"
           "Call-ID: th-call-1\r\nCSeq: 1 INVITE\r\nContact: " + contact + "\r\n"
           "User-Agent: InternalCore/7.1 (scscf1.core.internal)\r\n"
           "Warning: 399 scscf1.core.internal \"routed by the S-CSCF\"\r\n"
           "Content-Length: 0\r\n\r\n";
  }

  // The answer a UAS builds: Via and Record-Route copied, a To tag.
  static std::string answer_to(const std::string& request, int code, const std::string& extra = "") {
    std::string out = "SIP/2.0 " + std::to_string(code) + " OK\r\n";
    for (const char* name : {"Via", "Record-Route", "From", "Call-ID", "CSeq"}) {
      std::string v = header(request, name);
      if (!v.empty()) out += std::string(name) + ": " + v + "\r\n";
    }
    out += "To: " + header(request, "To") + ";tag=b1\r\n";
    return out + extra + "Content-Length: 0\r\n\r\n";
  }

  // bob's `request`, relayed toward the core with no answer to bob: `out` gets what the core got.
  void forward_from_bob(const std::string& request, std::string& out) {
    Parsed m(request, client);
    ASSERT_TRUE(m.ok) << request;
    ProxyTestResponder to_bob;
    size_t before = sender.sent.size();
    proxy->forward_request(client, bob, m.msg, to_bob);
    ASSERT_TRUE(to_bob.sent.empty()) << to_bob.sent.front();
    ASSERT_GT(sender.sent.size(), before) << "nothing relayed: " << request;
    out = last_to(core);
  }

  // bob's `request` (a sealed entry moved to another dialog, or tampered with) is refused with
  // 403 and nothing is sent on.
  void expect_refused_with_403(const std::string& request) {
    Parsed moved(request, client);
    ASSERT_TRUE(moved.ok);
    ProxyTestResponder refused;
    size_t before = sender.sent.size();
    proxy->forward_request(client, bob, moved.msg, refused);
    ASSERT_EQ(refused.sent.size(), 1u);
    EXPECT_EQ(refused.sent.front().rfind("SIP/2.0 403", 0), 0u) << refused.sent.front();
    EXPECT_EQ(sender.sent.size(), before);
  }

  const std::string& last_to(const net::Flow& to) const {
    static const std::string none;
    for (auto it = sender.sent.rbegin(); it != sender.sent.rend(); ++it)
      if (it->first.address == to.address && it->first.port == to.port) return it->second;
    return none;
  }

  net::Flow core = udp("10.9.0.5", 5060);
  net::Flow client = udp("198.51.100.7", 40000);
  FlowIdentity bob{"bob@ims.local", {"sip:bob@ims.local"}, 0};
};

TEST_F(TopologyHidingProxy, ATerminatingDialogNamesOnlyTheEdgeAndTheCoreGetsItsRouteBack) {
  build(true);
  Parsed invite(core_invite(), core);
  ASSERT_TRUE(invite.ok);
  ProxyTestResponder to_core;
  proxy->deliver_from_core(core, invite.msg, to_core);
  const std::string delivered = last_to(client);
  ASSERT_FALSE(delivered.empty()) << (to_core.sent.empty() ? "" : to_core.sent.front());
  expect_nothing_internal(delivered);
  // One Via (the edge's, with the sealed stack), the edge's Record-Routes only.
  std::string via = header(delivered, "Via");
  EXPECT_EQ(via.find(','), std::string::npos) << via;
  EXPECT_NE(via.find("SIP/2.0/UDP 192.0.2.10:5060;"), std::string::npos) << via;
  EXPECT_NE(via.find(";igh="), std::string::npos) << via;
  std::string rr = header(delivered, "Record-Route");
  EXPECT_NE(rr.find("<sip:edge@192.0.2.10:5060;lr;igf="), std::string::npos) << rr;
  EXPECT_NE(rr.find("<sip:edge@192.0.2.10:5060;lr;igh="), std::string::npos) << rr;
  EXPECT_EQ(header(delivered, "Route"), "");
  EXPECT_EQ(header(delivered, "User-Agent"), "");
  EXPECT_EQ(header(delivered, "Warning"), "399 ims.local \"routed by the S-CSCF\"");

  // bob's 200 OK echoes what he got: the S-CSCF receives its own Vias and Record-Route.
  Parsed ok(answer_to(delivered, 200), client);
  ASSERT_TRUE(ok.ok) << ok.bytes;
  proxy->forward_response(client, ok.msg);
  const std::string to_scscf = last_to(core);
  ASSERT_FALSE(to_scscf.empty());
  EXPECT_EQ(to_scscf.find("igh="), std::string::npos) << to_scscf;
  via = header(to_scscf, "Via");
  EXPECT_EQ(via.rfind("SIP/2.0/UDP scscf1.core.internal:5060;branch=z9hG4bKcore1;received=10.9.0.5, "
                      "SIP/2.0/UDP 10.20.30.40:5060;branch=z9hG4bKas1",
                      0),
            0u)
      << via;
  rr = header(to_scscf, "Record-Route");
  EXPECT_NE(rr.find("igf="), std::string::npos) << rr;
  EXPECT_NE(rr.find("<sip:scscf1.core.internal;lr>, <sip:10.20.30.40;lr>"), std::string::npos) << rr;

  // bob hangs up along his route set (the Record-Route in order): the edge expands its
  // sealed entry and the S-CSCF gets the route it recorded.
  std::string bye = "BYE sip:alice@203.0.113.5:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.7:40000;branch=z9hG4bKbye1\r\n"
                    "Route: " + header(delivered, "Record-Route") +
                    "\r\nMax-Forwards: 70\r\nFrom: <sip:bob@ims.local>;tag=b1\r\nTo: <sip:alice@ims.local>;tag=a1\r\n"
                    "Call-ID: th-call-1\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n";
  std::string bye_out;
  ASSERT_NO_FATAL_FAILURE(forward_from_bob(bye, bye_out));
  EXPECT_EQ(header(bye_out, "Route"), "<sip:scscf1.core.internal;lr>, <sip:10.20.30.40;lr>") << bye_out;

  // The sealed entry of another dialog, or a tampered one, routes nothing.
  std::string other = bye;
  other.replace(other.find("Call-ID: th-call-1"), 18, "Call-ID: th-call-2");
  expect_refused_with_403(other);
}

TEST_F(TopologyHidingProxy, TheRegisterAnswerHidesServiceRoutePathServerAndWarningAndTheServiceRouteStillRoutes) {
  build(true);
  std::string reg = "REGISTER sip:ims.local SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.7:40000;branch=z9hG4bKreg1;rport\r\n"
                    "Max-Forwards: 70\r\nFrom: <sip:bob@ims.local>;tag=r1\r\nTo: <sip:bob@ims.local>\r\n"
                    "Call-ID: th-reg-1\r\nCSeq: 1 REGISTER\r\nContact: <sip:bob@198.51.100.7:40000>\r\n"
                    "Expires: 600\r\nContent-Length: 0\r\n\r\n";
  Parsed reg_msg(reg, client);
  ASSERT_TRUE(reg_msg.ok);
  ProxyTestResponder to_bob;
  proxy->forward_register(client, reg_msg.msg, to_bob);
  const std::string relayed = last_to(core);
  ASSERT_FALSE(relayed.empty());
  std::string own_path = header(relayed, "Path");
  ASSERT_NE(own_path.find("igf="), std::string::npos) << relayed;
  Parsed answer(answer_to(relayed, 200,
                          "Path: " + own_path + ", <sip:icscf@10.20.30.7;lr>\r\n"
                          "Service-Route: <sip:orig@scscf1.core.internal:6060;lr>, <sip:10.20.30.41;lr>\r\n"
                          "P-Associated-URI: <sip:bob@ims.local>\r\nContact: <sip:bob@198.51.100.7:40000>;expires=600\r\n"
                          "Server: InternalCore/7.1\r\nWarning: 399 10.20.30.40:5060 \"registered here\"\r\n"),
                core);
  ASSERT_TRUE(answer.ok) << answer.bytes;
  proxy->forward_response(core, answer.msg);
  const std::string got = last_to(client);
  ASSERT_FALSE(got.empty());
  expect_nothing_internal(got);
  EXPECT_EQ(header(got, "Path"), own_path);
  // The 2xx to REGISTER lists bob's own binding: never rewritten.
  EXPECT_EQ(header(got, "Contact"), "<sip:bob@198.51.100.7:40000>;expires=600");
  EXPECT_EQ(header(got, "Server"), "");
  EXPECT_EQ(header(got, "Warning"), "399 ims.local \"registered here\"");
  std::string service_route = header(got, "Service-Route");
  ASSERT_EQ(service_route.rfind("<sip:orig@192.0.2.10:5060;lr;igh=", 0), 0u) << service_route;

  // bob's next request is preloaded with it (RFC 3608): the S-CSCF gets its Service-Route.
  std::string message = "MESSAGE sip:alice@ims.local SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.7:40000;branch=z9hG4bKm1\r\n"
                        "Route: <sip:192.0.2.10:5060;lr>, " + service_route +
                        "\r\nMax-Forwards: 70\r\nFrom: <sip:bob@ims.local>;tag=m1\r\nTo: <sip:alice@ims.local>\r\n"
                        "Call-ID: th-msg-1\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n";
  std::string message_out;
  ASSERT_NO_FATAL_FAILURE(forward_from_bob(message, message_out));
  EXPECT_EQ(header(message_out, "Route"), "<sip:orig@scscf1.core.internal:6060;lr>, <sip:10.20.30.41;lr>");
}

TEST_F(TopologyHidingProxy, WithTheKeyOffTheClientSeesTheInternalHops) {
  build(false);
  Parsed invite(core_invite(), core);
  ASSERT_TRUE(invite.ok);
  ProxyTestResponder to_core;
  proxy->deliver_from_core(core, invite.msg, to_core);
  const std::string delivered = last_to(client);
  ASSERT_FALSE(delivered.empty());
  EXPECT_NE(delivered.find("Via: SIP/2.0/UDP scscf1.core.internal:5060"), std::string::npos) << delivered;
  EXPECT_NE(delivered.find("10.20.30.40"), std::string::npos) << delivered;
  EXPECT_EQ(delivered.find("igh="), std::string::npos) << delivered;
}

TEST_F(TopologyHidingProxy, WithTheKeyOffTheCoresContactGoesThroughUnchanged) {
  build(false);
  Parsed invite(core_invite("<sip:as@10.20.30.60:5070>;isfocus"), core);
  ASSERT_TRUE(invite.ok);
  ProxyTestResponder to_core;
  proxy->deliver_from_core(core, invite.msg, to_core);
  const std::string delivered = last_to(client);
  ASSERT_FALSE(delivered.empty());
  EXPECT_EQ(header(delivered, "Contact"), "<sip:as@10.20.30.60:5070>;isfocus") << delivered;
}

// An application server's Contact in the core's INVITE: bob sees the edge as the remote
// target, and his in-dialog request targets the edge, which restores the AS's URI.
TEST_F(TopologyHidingProxy, TheCoresContactInARequestNamesTheEdgeAndTheInDialogRequestGetsItBack) {
  build(true);
  Parsed invite(core_invite("\"AS\" <sip:as@10.20.30.60:5070;transport=udp>;isfocus;expires=60"), core);
  ASSERT_TRUE(invite.ok);
  ProxyTestResponder to_core;
  proxy->deliver_from_core(core, invite.msg, to_core);
  const std::string delivered = last_to(client);
  ASSERT_FALSE(delivered.empty());
  expect_nothing_internal(delivered);
  std::string contact = header(delivered, "Contact");
  ASSERT_EQ(contact.rfind("<sip:edge@192.0.2.10:5060;igh=", 0), 0u) << contact;
  ASSERT_EQ(contact.substr(contact.find('>')), ">;isfocus;expires=60") << contact;
  std::string target = contact.substr(1, contact.find('>') - 1);

  auto bye_to = [&](const std::string& ruri, const std::string& call_id, const std::string& route) {
    return "BYE " + ruri + " SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.7:40000;branch=z9hG4bKbye" + call_id + "\r\n" +
           (route.empty() ? "" : "Route: " + route + "\r\n") +
           "Max-Forwards: 70\r\nFrom: <sip:bob@ims.local>;tag=b1\r\nTo: <sip:alice@ims.local>;tag=a1\r\n"
           "Call-ID: " + call_id + "\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n";
  };
  std::string bye_out;
  ASSERT_NO_FATAL_FAILURE(forward_from_bob(bye_to(target, "th-call-1", header(delivered, "Record-Route")), bye_out));
  EXPECT_EQ(bye_out.rfind("BYE sip:as@10.20.30.60:5070;transport=udp SIP/2.0\r\n", 0), 0u) << bye_out;
  EXPECT_EQ(bye_out.find("igh="), std::string::npos) << bye_out;

  // The seal moved to another dialog, or tampered with, is refused and nothing is sent.
  std::string tampered = target;
  size_t mid = tampered.find("igh=") + 10;
  tampered[mid] = tampered[mid] == 'A' ? 'B' : 'A';
  for (const auto& [ruri, call_id] : {std::pair{target, std::string("th-call-2")}, std::pair{tampered, std::string("th-call-1")}}) {
    SCOPED_TRACE(ruri);
    ASSERT_NO_FATAL_FAILURE(expect_refused_with_403(bye_to(ruri, call_id, "")));
  }
}

// bob calls out: the core's 200 OK carries the AS's Contact; bob's ACK and BYE target the
// edge and reach the core with the AS's URI as Request-URI.
TEST_F(TopologyHidingProxy, TheCoresContactInAnAnswerNamesTheEdgeAndTheAckAndByeGetItBack) {
  build(true);
  std::string invite = "INVITE sip:carol@ims.local SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.7:40000;branch=z9hG4bKinv2\r\n"
                       "Max-Forwards: 70\r\nFrom: <sip:bob@ims.local>;tag=b2\r\nTo: <sip:carol@ims.local>\r\n"
                       "Call-ID: th-call-3\r\nCSeq: 1 INVITE\r\nContact: <sip:bob@198.51.100.7:40000>\r\n"
                       "Content-Length: 0\r\n\r\n";
  std::string relayed;
  ASSERT_NO_FATAL_FAILURE(forward_from_bob(invite, relayed));
  ASSERT_FALSE(relayed.empty());
  // bob's own Contact goes to the core as he wrote it.
  EXPECT_EQ(header(relayed, "Contact"), "<sip:bob@198.51.100.7:40000>");
  std::string rr = "Record-Route: <sip:scscf1.core.internal;lr>, " + header(relayed, "Record-Route") + "\r\n";
  std::string ok_text = answer_to(relayed, 200, rr + "Contact: <sip:as@10.20.30.60:5070>\r\n");
  // answer_to copied the edge's Record-Route too; keep the one with the core's entry.
  ok_text.erase(ok_text.find("Record-Route: <sip:edge"), ok_text.find("\r\n", ok_text.find("Record-Route: <sip:edge")) -
                                                            ok_text.find("Record-Route: <sip:edge") + 2);
  Parsed ok(ok_text, core);
  ASSERT_TRUE(ok.ok) << ok.bytes;
  proxy->forward_response(core, ok.msg);
  const std::string got = last_to(client);
  ASSERT_FALSE(got.empty());
  expect_nothing_internal(got);
  std::string contact = header(got, "Contact");
  ASSERT_EQ(contact.rfind("<sip:edge@192.0.2.10:5060;igh=", 0), 0u) << got;
  std::string target = contact.substr(1, contact.size() - 2);
  // bob's route set: the Record-Route reversed (RFC 3261 12.1.2).
  std::string got_rr = header(got, "Record-Route");
  size_t comma = got_rr.find(">, <");
  ASSERT_NE(comma, std::string::npos) << got_rr;
  std::string route = got_rr.substr(comma + 3) + ", " + got_rr.substr(0, comma + 1);
  for (const char* method : {"ACK", "BYE"}) {
    std::string req = std::string(method) + " " + target + " SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.7:40000;branch=z9hG4bK" +
                      method + "3\r\nRoute: " + route +
                      "\r\nMax-Forwards: 70\r\nFrom: <sip:bob@ims.local>;tag=b2\r\nTo: <sip:carol@ims.local>;tag=b1\r\n"
                      "Call-ID: th-call-3\r\nCSeq: " + (std::string(method) == "ACK" ? "1" : "2") + " " + method +
                      "\r\nContent-Length: 0\r\n\r\n";
    std::string out;
    ASSERT_NO_FATAL_FAILURE(forward_from_bob(req, out));
    EXPECT_EQ(out.rfind(std::string(method) + " sip:as@10.20.30.60:5070 SIP/2.0\r\n", 0), 0u) << out;
    EXPECT_EQ(header(out, "Route"), "<sip:scscf1.core.internal;lr>") << out;
  }
}

TEST(TopologyHidingSeal, OpensOnlyForItsPurposeBindingAndLifetimeAndUnderItsKey) {
  test::Telemetry t;
  config::Config config;
  std::array<uint8_t, 32> key{};
  key.fill(7);
  FlowTokens tokens(key);
  ops::CounterRegistry metrics;
  TopologyHiding hiding(config, tokens, metrics);
  ASSERT_TRUE(hiding.enabled());
  int64_t now = unix_now();
  std::string blob = hiding.seal('r', "call-1", now + 60, "<sip:scscf.core.internal;lr>");
  ASSERT_FALSE(blob.empty());
  EXPECT_EQ(blob.find("core"), std::string::npos);
  EXPECT_EQ(blob.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), std::string::npos);
  EXPECT_EQ(hiding.open('r', "call-1", blob, now).value_or(""), "<sip:scscf.core.internal;lr>");
  EXPECT_FALSE(hiding.open('r', "call-2", blob, now));       // another dialog
  EXPECT_FALSE(hiding.open('s', "call-1", blob, now));       // another purpose
  EXPECT_FALSE(hiding.open('r', "call-1", blob, now + 61));  // expired
  std::string tampered = blob;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(hiding.open('r', "call-1", tampered, now));
  EXPECT_FALSE(hiding.open('r', "call-1", "", now));
  key.fill(8);
  FlowTokens other_tokens(key);
  TopologyHiding other(config, other_tokens, metrics);
  EXPECT_FALSE(other.open('r', "call-1", blob, now));  // another edge's key
  // Two seals of the same list differ (a fresh nonce each): equal routes are not linkable.
  EXPECT_NE(hiding.seal('r', "call-1", now + 60, "x"), hiding.seal('r', "call-1", now + 60, "x"));
}

TEST(TopologyHidingService, TheBoxsAnswerLosesItsAddressSoftwareAndRecordRoute) {
  test::Telemetry t;
  config::Config config;
  std::string answer_text =
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS 198.51.100.7:40000;branch=z9hG4bKs1\r\n"
      "Record-Route: <sip:box.core.internal:5070;lr>\r\nFrom: <sip:bob@ims.local>;tag=f\r\n"
      "To: <sip:media@services.ims.local>;tag=sb\r\nCall-ID: svc-1\r\nCSeq: 1 INVITE\r\n"
      "Contact: <sip:media@10.20.30.50:5070;transport=tls>;expires=60\r\nServer: InternalCore-box/2.0\r\n"
      "Warning: 399 box.core.internal \"busy soon\"\r\nContent-Length: 0\r\n\r\n";
  sip::Message answer;
  ASSERT_EQ(sip::parse_datagram(answer_text, sip::Limits{}, answer).status, sip::ParseStatus::kOk);
  sip::MessageWriter w(answer);
  EXPECT_EQ(hide_service_answer(ServiceAnswerCounters(t.metrics), config, w, answer, "sip:media@services.ims.local"), 4u);
  std::string out = w.str();
  expect_nothing_internal(out);
  EXPECT_EQ(header(out, "Contact"), "<sip:media@services.ims.local>;expires=60");
  EXPECT_EQ(header(out, "Warning"), "399 ims.local \"busy soon\"");
  // Off: nothing changes.
  config.identity.topology_hiding = false;
  sip::MessageWriter off(answer);
  EXPECT_EQ(hide_service_answer(ServiceAnswerCounters(t.metrics), config, off, answer, "sip:media@services.ims.local"), 0u);
  EXPECT_NE(off.str().find("box.core.internal"), std::string::npos);
}

}  // namespace
}  // namespace imsguard::edge
