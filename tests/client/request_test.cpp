// Requests the client builds parse cleanly with our own parser and carry what the edge
// needs; user-supplied headers cannot split lines or override the fields the client owns;
// received MESSAGE bodies cannot write control sequences to the operator's terminal.
#include "client/request.h"
#include "client/transport.h"
#include "client/user_agent.h"
#include "sip/parser.h"
#include "sip/validation.h"

#include <gtest/gtest.h>

using namespace imsguard;
using namespace imsguard::client;

TEST(BuildRequest, ParsesAndPassesTheProxyChecks) {
  RequestSpec s;
  s.method = "MESSAGE";
  s.request_uri = "sip:bob@ims.local";
  s.from_uri = "sip:alice@ims.local";
  s.from_tag = "t1";
  s.to_uri = "sip:bob@ims.local";
  s.call_id = "abc@127.0.0.1";
  s.cseq = 7;
  s.branch = new_branch();
  s.headers = {{"P-Asserted-Identity", "<sip:eve@ims.local>"}};
  s.content_type = "text/plain";
  s.body = "hi there";
  std::string text = build_request(s, {TransportKind::kTcp, "::1", 5070});
  sip::Message m;
  auto r = sip::parse_stream_message(text, sip::Limits{}, m);
  ASSERT_EQ(r.status, sip::ParseStatus::kOk) << r.reason << "\n" << text;
  EXPECT_FALSE(sip::check_request(m, sip::ValidationPolicy{}).has_value());
  auto via = m.top_via();
  ASSERT_TRUE(via);
  EXPECT_EQ(via->transport, "TCP");
  EXPECT_EQ(via->host, "[::1]");
  EXPECT_EQ(via->port, 5070);
  EXPECT_TRUE(via->has_rfc3261_branch());
  EXPECT_EQ(m.cseq()->number, 7u);
  EXPECT_EQ(m.body(), "hi there");
  EXPECT_EQ(m.content_type(), "text/plain");
  EXPECT_EQ(m.p_asserted_identities()->size(), 1u);
}

TEST(BuildRequest, BranchesAreFreshAndCarryTheCookie) {
  std::string a = new_branch(), b = new_branch();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind("z9hG4bK", 0), 0u);
}

TEST(ExtraHeader, AcceptsANormalHeader) {
  auto h = parse_extra_header("P-Asserted-Identity:  <sip:bob@ims.local>");
  ASSERT_TRUE(h) << h.message();
  EXPECT_EQ(h->first, "P-Asserted-Identity");
  EXPECT_EQ(h->second, "<sip:bob@ims.local>");
}

TEST(ExtraHeader, RefusesInjectionAndOwnedHeaders) {
  auto split = parse_extra_header("X-Test: a\r\nVia: SIP/2.0/UDP evil");
  EXPECT_FALSE(split);
  EXPECT_EQ(split.code(), Code::kInvalid);
  EXPECT_NE(split.message().find("control"), std::string::npos) << split.message();
  for (const char* bad : {"no colon here", "Bad Name: x", ": x", "Call-ID: x"})
    EXPECT_EQ(parse_extra_header(bad).code(), Code::kInvalid) << bad;
  auto via = parse_extra_header("v: SIP/2.0/UDP x");  // compact Via
  EXPECT_EQ(via.code(), Code::kInvalid);
  EXPECT_NE(via.message().find("client sets"), std::string::npos) << via.message();
}

TEST(ServerAddress, ParsesHostPortAndBracketedIpv6) {
  auto a = parse_server_address("127.0.0.1:5060");
  ASSERT_TRUE(a) << a.message();
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 5060);
  auto b = parse_server_address("[::1]:5061");
  ASSERT_TRUE(b) << b.message();
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->port, 5061);
  for (const char* bad : {"127.0.0.1", "::1:5060", ":5060", "host:0", "host:65536", "host:50x", "[::1]5060"})
    EXPECT_EQ(parse_server_address(bad).code(), Code::kInvalid) << bad;
}

TEST(MessageLine, ShowsAssertedIdentityAndNeutralisesControlCharacters) {
  std::string text =
      "MESSAGE sip:bob@ims.local SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\n"
      "Max-Forwards: 70\r\nFrom: <sip:eve@ims.local>;tag=1\r\nTo: <sip:bob@ims.local>\r\nCall-ID: x\r\n"
      "CSeq: 1 MESSAGE\r\nP-Asserted-Identity: <sip:alice@ims.local>\r\nContent-Type: text/plain\r\n"
      "Content-Length: 14\r\n\r\nhi\x1b[2J\nthere\r\n";
  sip::Message m;
  ASSERT_EQ(sip::parse_datagram(text, sip::Limits{}, m).status, sip::ParseStatus::kOk);
  EXPECT_EQ(message_line(m), "MESSAGE from sip:alice@ims.local: hi?[2J there");
}

TEST(MessageLine, SaysWhenNoIdentityWasAsserted) {
  std::string text =
      "MESSAGE sip:bob@ims.local SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\n"
      "Max-Forwards: 70\r\nFrom: <sip:eve@ims.local>;tag=1\r\nTo: <sip:bob@ims.local>\r\nCall-ID: x\r\n"
      "CSeq: 1 MESSAGE\r\nContent-Length: 2\r\n\r\nyo";
  sip::Message m;
  ASSERT_EQ(sip::parse_datagram(text, sip::Limits{}, m).status, sip::ParseStatus::kOk);
  EXPECT_EQ(message_line(m), "MESSAGE from unasserted sender (From sip:eve@ims.local): yo");
}
