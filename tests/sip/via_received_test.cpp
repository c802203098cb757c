// The received/rport annotation of a request's top Via (RFC 3261 18.2.1, RFC 3581), as the
// answers the edge builds (make_response) and the copies it relays (MessageWriter) carry it.
#include "sip/via_received.h"

#include <gtest/gtest.h>

#include <string>

#include "sip/parser.h"
#include "sip/response.h"
#include "sip/writer.h"

namespace imsguard::sip {
namespace {

std::string request_with_via(const std::string& via, const std::string& more_vias = "") {
  return "REGISTER sip:ims.local SIP/2.0\r\nVia: " + via + "\r\n" + more_vias +
         "Max-Forwards: 70\r\nFrom: <sip:a@ims.local>;tag=1\r\nTo: <sip:a@ims.local>\r\n"
         "Call-ID: rx-1\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n";
}

// The top Via value of the 401 the edge would send for `via`, received from `from`.
std::string answered_top_via(const std::string& via, const ReceivedFrom& from) {
  std::string in = request_with_via(via);
  Message req;
  EXPECT_EQ(parse_datagram(in, Limits{}, req).status, ParseStatus::kOk);
  req.set_received_from(from);
  std::string out = make_response(req, 401, "Unauthorized");
  Message resp;
  EXPECT_EQ(parse_datagram(out, Limits{}, resp).status, ParseStatus::kOk) << out;
  const HeaderField* f = resp.find(HeaderId::kVia);
  return f ? std::string(f->value) : std::string();
}

const ReceivedFrom kNat("203.0.113.7", 40123);

TEST(ViaReceivedTest, RportFlagGetsTheSourcePortAndReceivedEvenForTheSameHost) {
  EXPECT_EQ(answered_top_via("SIP/2.0/UDP 203.0.113.7:5060;rport;branch=z9hG4bKa1", kNat),
            "SIP/2.0/UDP 203.0.113.7:5060;branch=z9hG4bKa1;received=203.0.113.7;rport=40123");
}

TEST(ViaReceivedTest, RportFlagBehindANatGetsThePublicAddressAndPort) {
  EXPECT_EQ(answered_top_via("SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKa2;rport", kNat),
            "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKa2;received=203.0.113.7;rport=40123");
}

TEST(ViaReceivedTest, WithoutRportAndTheSameHostTheViaIsUnchanged) {
  // The sent-by port differs from the source port: without rport that is not our business.
  EXPECT_EQ(answered_top_via("SIP/2.0/UDP 203.0.113.7:5060;branch=z9hG4bKa3", kNat),
            "SIP/2.0/UDP 203.0.113.7:5060;branch=z9hG4bKa3");
}

TEST(ViaReceivedTest, WithoutRportAndAnotherHostOnlyReceivedIsAdded) {
  EXPECT_EQ(answered_top_via("SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKa4", kNat),
            "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKa4;received=203.0.113.7");
}

TEST(ViaReceivedTest, AHostNameSentByGetsReceived) {
  EXPECT_EQ(answered_top_via("SIP/2.0/TCP client.example.com;branch=z9hG4bKa5", kNat),
            "SIP/2.0/TCP client.example.com;branch=z9hG4bKa5;received=203.0.113.7");
}

TEST(ViaReceivedTest, ValuesFromAPreviousHopAreReplacedNotDuplicated) {
  std::string via = answered_top_via(
      "SIP/2.0/UDP 10.0.0.5:5060;received=192.0.2.99;branch=z9hG4bKa6;RPORT=1111;x=y", kNat);
  EXPECT_EQ(via, "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKa6;x=y;received=203.0.113.7;rport=40123");
  // A stale received on a Via whose host is the source is replaced too (never routed to).
  EXPECT_EQ(answered_top_via("SIP/2.0/UDP 203.0.113.7;received=192.0.2.99;branch=z9hG4bKa7", kNat),
            "SIP/2.0/UDP 203.0.113.7;branch=z9hG4bKa7;received=203.0.113.7");
}

TEST(ViaReceivedTest, OnlyTheTopViaIsAnnotated) {
  std::string in = request_with_via("SIP/2.0/UDP 10.0.0.5;rport;branch=z9hG4bKt1, SIP/2.0/UDP 10.0.0.6;rport;branch=z9hG4bKt2",
                                    "Via: SIP/2.0/UDP 10.0.0.7;rport;received=192.0.2.1;branch=z9hG4bKt3\r\n");
  Message req;
  ASSERT_EQ(parse_datagram(in, Limits{}, req).status, ParseStatus::kOk);
  req.set_received_from(kNat);
  std::string out = make_response(req, 401, "Unauthorized");
  EXPECT_NE(out.find("Via: SIP/2.0/UDP 10.0.0.5;branch=z9hG4bKt1;received=203.0.113.7;rport=40123, "
                     "SIP/2.0/UDP 10.0.0.6;rport;branch=z9hG4bKt2\r\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("Via: SIP/2.0/UDP 10.0.0.7;rport;received=192.0.2.1;branch=z9hG4bKt3\r\n"), std::string::npos)
      << out;
}

TEST(ViaReceivedTest, Ipv6SourceIsWrittenWithoutBracketsAndMatchesAnyOfItsSpellings) {
  const ReceivedFrom v6("2001:db8::9:255", 5070);
  // RFC 3261's grammar: received = IPv6address, no brackets (RFC 5118 4.5 asks parsers to
  // accept both; we write the grammar's form).
  EXPECT_EQ(answered_top_via("SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKv1", v6),
            "SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKv1;received=2001:db8::9:255");
  EXPECT_EQ(answered_top_via("SIP/2.0/UDP [2001:db8::9:1]:5060;rport;branch=z9hG4bKv2", v6),
            "SIP/2.0/UDP [2001:db8::9:1]:5060;branch=z9hG4bKv2;received=2001:db8::9:255;rport=5070");
  // The same address spelt out in full is the same host: nothing to add.
  EXPECT_EQ(answered_top_via("SIP/2.0/UDP [2001:DB8:0:0:0:0:9:255];branch=z9hG4bKv3", v6),
            "SIP/2.0/UDP [2001:DB8:0:0:0:0:9:255];branch=z9hG4bKv3");
  // A bracketed received written by someone else is replaced by ours (and it parses).
  std::string via = answered_top_via("SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:99];branch=z9hG4bKv4", v6);
  EXPECT_EQ(via, "SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKv4;received=2001:db8::9:255");
  auto parsed = parse_via(via);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->received, "2001:db8::9:255");
}

TEST(ViaReceivedTest, FoldedViaIsUnfoldedAroundTheAnnotation) {
  // RFC 4475 wsinv style: LWS and folding inside the element.
  EXPECT_EQ(answered_top_via("SIP  /   2.0\r\n /UDP\r\n    10.0.0.5;rport;branch=z9hG4bKf1", kNat),
            "SIP  /   2.0 /UDP 10.0.0.5;branch=z9hG4bKf1;received=203.0.113.7;rport=40123");
}

TEST(ViaReceivedTest, WithoutASourceOrForAResponseNothingChanges) {
  std::string in = request_with_via("SIP/2.0/UDP 10.0.0.5;rport;branch=z9hG4bKn1");
  Message req;
  ASSERT_EQ(parse_datagram(in, Limits{}, req).status, ParseStatus::kOk);
  EXPECT_NE(make_response(req, 401, "Unauthorized").find("Via: SIP/2.0/UDP 10.0.0.5;rport;branch=z9hG4bKn1\r\n"),
            std::string::npos);
  EXPECT_EQ(MessageWriter(req).str(), in);
  std::string resp_text = make_response(req, 200, "OK");
  Message resp;
  ASSERT_EQ(parse_datagram(resp_text, Limits{}, resp).status, ParseStatus::kOk);
  resp.set_received_from(kNat);
  EXPECT_EQ(MessageWriter(resp).str(), resp_text) << "responses are relayed as they are";
}

TEST(ViaReceivedTest, RelayedRequestCarriesTheAnnotationBelowTheProxysVia) {
  std::string in = "INVITE sip:b@ims.local SIP/2.0\r\nv: SIP/2.0/UDP 10.0.0.5:5060;rport;branch=z9hG4bKr1\r\n"
                   "Max-Forwards: 70\r\nFrom: <sip:a@ims.local>;tag=1\r\nTo: <sip:b@ims.local>\r\n"
                   "Call-ID: rx-2\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
  Message req;
  ASSERT_EQ(parse_datagram(in, Limits{}, req).status, ParseStatus::kOk);
  req.set_received_from(kNat);
  MessageWriter w(req);
  w.prepend_via("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKproxy");
  std::string out = w.str();
  Message fwd;
  ASSERT_EQ(parse_datagram(out, Limits{}, fwd).status, ParseStatus::kOk) << out;
  auto vias = fwd.vias();
  ASSERT_TRUE(vias);
  ASSERT_EQ(vias->size(), 2u);
  EXPECT_EQ((*vias)[0].raw, "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKproxy");
  EXPECT_EQ((*vias)[1].raw, "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKr1;received=203.0.113.7;rport=40123");
  // The compact name stays the client's; every other line is untouched.
  EXPECT_NE(out.find("\r\nv: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKr1;received=203.0.113.7;rport=40123\r\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("\r\nFrom: <sip:a@ims.local>;tag=1\r\n"), std::string::npos);
}

TEST(ViaReceivedTest, AnUnparsableTopViaIsCopiedAsItWas) {
  // A request refused for its Via is still answered with what it had.
  std::string in = request_with_via("SIP/2.0/UDP 10.0.0.5;rport;branch=z9hG4bKu1 junk");
  Message req;
  (void)parse_datagram(in, Limits{}, req);
  ASSERT_TRUE(req.is_request());
  req.set_received_from(kNat);
  EXPECT_NE(make_response(req, 400, "Bad Request").find("Via: SIP/2.0/UDP 10.0.0.5;rport;branch=z9hG4bKu1 junk\r\n"),
            std::string::npos);
}

TEST(ViaReceivedTest, ReceivedFromKeepsAddressAndPort) {
  ReceivedFrom from("::1", 5060);
  EXPECT_FALSE(from.empty());
  EXPECT_EQ(from.address(), "::1");
  EXPECT_EQ(from.port(), 5060);
  EXPECT_TRUE(ReceivedFrom().empty());
  EXPECT_TRUE(ReceivedFrom(std::string(ReceivedFrom::kMaxAddress + 1, '1'), 5060).empty());
}

}  // namespace
}  // namespace imsguard::sip
