#include "sip/writer.h"

#include <gtest/gtest.h>

#include <string>

#include "read_file.h"
#include "sip/parser.h"

namespace imsguard::sip {
namespace {

using testing::torture;

// True when every untouched original header line appears byte-identical in out.
void expect_lines_kept(const Message& original, const std::string& out, HeaderId skip1,
                       HeaderId skip2) {
  for (const HeaderField& f : original.headers()) {
    if (f.id == skip1 || f.id == skip2) continue;
    EXPECT_NE(out.find(std::string(f.raw) + "\r\n"), std::string::npos) << f.raw;
  }
}

TEST(WriterTest, ProxyRoundTripKeepsUntouchedBytes) {
  // wsinv has folding, odd spacing and compact names: all must survive unchanged.
  const std::string in = torture("wsinv");
  Message m;
  ASSERT_EQ(parse_datagram(in, Limits{}, m).status, ParseStatus::kOk);
  std::string out = MessageWriter(m)
                        .prepend_via("SIP/2.0/UDP proxy.example.net;branch=z9hG4bKnew")
                        .remove_all(HeaderId::kRoute)
                        .set_request_uri("sip:vivekg@192.0.2.77:5060")
                        .str();
  expect_lines_kept(m, out, HeaderId::kRoute, HeaderId::kOther);

  Message again;
  ASSERT_EQ(parse_datagram(out, Limits{}, again).status, ParseStatus::kOk);
  EXPECT_EQ(again.request_uri(), "sip:vivekg@192.0.2.77:5060");
  EXPECT_EQ(again.method_name(), "INVITE");
  EXPECT_EQ(again.count(HeaderId::kRoute), 0u);
  auto vias = again.vias();
  ASSERT_TRUE(vias);
  ASSERT_EQ(vias->size(), m.vias()->size() + 1);
  EXPECT_EQ((*vias)[0].host, "proxy.example.net");
  EXPECT_EQ((*vias)[1].branch, (*m.vias())[0].branch);
  EXPECT_EQ(again.body(), m.body());
  // The new Via precedes the original first Via line.
  EXPECT_LT(out.find("Via: SIP/2.0/UDP proxy.example.net"), out.find(m.find(HeaderId::kVia)->raw));
}

TEST(WriterTest, UntouchedMessageIsIdentical) {
  const std::string in = torture("esc01");
  Message m;
  ASSERT_EQ(parse_datagram(in, Limits{}, m).status, ParseStatus::kOk);
  EXPECT_EQ(MessageWriter(m).str(), in);
}

TEST(WriterTest, BodyChangeFixesContentLength) {
  const std::string in = torture("esc01");
  Message m;
  ASSERT_EQ(parse_datagram(in, Limits{}, m).status, ParseStatus::kOk);
  std::string out = MessageWriter(m).set_body("text/plain", "hi").str();
  Message again;
  ASSERT_EQ(parse_datagram(out, Limits{}, again).status, ParseStatus::kOk);
  EXPECT_EQ(again.body(), "hi");
  EXPECT_EQ(again.content_length().value_or(0), 2u);
  EXPECT_EQ(again.content_type(), "text/plain");
  EXPECT_EQ(again.count(HeaderId::kContentType), 1u);
  EXPECT_EQ(again.count(HeaderId::kContentLength), 1u);
}

TEST(WriterTest, ImpliedLengthBecomesExplicitAndTrailingOctetsGo) {
  // inv2543 has no Content-Length; dblreq carries a second message after the first.
  for (const char* name : {"inv2543", "dblreq"}) {
    const std::string in = torture(name);
    Message m;
    ASSERT_EQ(parse_datagram(in, Limits{}, m).status, ParseStatus::kOk) << name;
    std::string out = MessageWriter(m).str();
    Message again;
    ParseResult r = parse_stream_message(out, Limits{}, again);
    ASSERT_EQ(r.status, ParseStatus::kOk) << name;
    EXPECT_EQ(r.consumed, out.size()) << name;
    EXPECT_EQ(again.body(), m.body()) << name;
  }
}

TEST(WriterTest, EditsAndInjectionSafety) {
  const std::string in = torture("transports");
  Message m;
  ASSERT_EQ(parse_datagram(in, Limits{}, m).status, ParseStatus::kOk);
  std::string out = MessageWriter(m)
                        .remove_first(HeaderId::kVia)
                        .replace_header(HeaderId::kMaxForwards, "69")
                        .add_header("X-Evil", "a\r\nInjected: yes")
                        .prepend_header("Route", "<sip:edge.example.com;lr>")
                        .replace_header("X-Unknown", "first")
                        .replace_header("X-Unknown", "second")
                        .replace_header("call-id", "new-call-id")
                        .str();
  Message again;
  ASSERT_EQ(parse_datagram(out, Limits{}, again).status, ParseStatus::kOk);
  EXPECT_EQ(again.count(HeaderId::kVia), 4u);
  EXPECT_EQ(again.top_via()->transport, "SCTP");
  EXPECT_EQ(again.max_forwards().value_or(0), 69u);
  EXPECT_EQ(again.find("Injected"), nullptr);
  EXPECT_EQ(again.headers()[0].id, HeaderId::kRoute);
  ASSERT_NE(again.find("x-unknown"), nullptr);
  EXPECT_EQ(again.find("x-unknown")->value, "second");
  EXPECT_EQ(again.call_id(), "new-call-id");
  EXPECT_EQ(again.count(HeaderId::kCallId), 1u);

  // remove_top_via on a combined line keeps the remaining elements.
  const std::string combined =
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2\r\n"
      "From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nl: 0\r\n\r\n";
  Message resp;
  ASSERT_EQ(parse_datagram(combined, Limits{}, resp).status, ParseStatus::kOk);
  std::string fwd = MessageWriter(resp).remove_top_via().str();
  Message fwd_msg;
  ASSERT_EQ(parse_datagram(fwd, Limits{}, fwd_msg).status, ParseStatus::kOk);
  ASSERT_EQ(fwd_msg.count_values(HeaderId::kVia), 1u);
  EXPECT_EQ(fwd_msg.top_via()->host, "b");

  // Edits see generated lines too; a hand-made Content-Length never reaches the wire.
  std::string twice = MessageWriter(resp)
                          .prepend_via("SIP/2.0/TCP mine;branch=z9hG4bKm")
                          .remove_top_via()
                          .add_header("l", "999")
                          .remove_all("via")
                          .str();
  Message twice_msg;
  ASSERT_EQ(parse_datagram(twice, Limits{}, twice_msg).status, ParseStatus::kOk);
  EXPECT_EQ(twice_msg.count(HeaderId::kVia), 0u);
  EXPECT_EQ(twice_msg.count(HeaderId::kContentLength), 1u);
  EXPECT_EQ(twice_msg.content_length().value_or(1), 0u);
}

}  // namespace
}  // namespace imsguard::sip
