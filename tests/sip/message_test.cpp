#include "sip/message.h"

#include <gtest/gtest.h>

#include <string>

#include "sip/parser.h"

namespace imsguard::sip {
namespace {

const std::string kInvite =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhds, SIP/2.0/TCP p1.example.com"
    ";branch=z9hG4bK1\r\n"
    "v: SIP/2.0/UDP p2.example.com;branch=z9hG4bK2\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@example.com>\r\n"
    "f: \"Alice, A.\" <sip:alice@example.com>;tag=1928301774\r\n"
    "i: a84b4c76e66710@pc33.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "m: <sip:alice@pc33.example.com>;expires=60, \"x,y\" <sip:a2@192.0.2.4>\r\n"
    "Route: <sip:p1.example.com;lr>,<sip:p2.example.com;lr>\r\n"
    "P-Asserted-Identity: <sip:alice@example.com>, <tel:+15551234>\r\n"
    "Expires: 3600\r\n"
    "Content-Type: application/sdp; charset=utf-8\r\n"
    "X-Custom: one\r\n"
    "Content-Length: 4\r\n"
    "\r\n"
    "v=0\n";

TEST(MessageTest, TypedAccess) {
  Message m;
  ASSERT_EQ(parse_datagram(kInvite, Limits{}, m).status, ParseStatus::kOk);
  EXPECT_TRUE(m.is_request());
  EXPECT_EQ(m.method(), Method::kInvite);
  EXPECT_EQ(m.request_uri(), "sip:bob@example.com");
  EXPECT_EQ(m.call_id(), "a84b4c76e66710@pc33.example.com");
  ASSERT_TRUE(m.cseq());
  EXPECT_EQ(m.cseq()->number, 314159u);
  EXPECT_EQ(m.cseq()->method, "INVITE");
  EXPECT_EQ(m.max_forwards().value_or(0), 70u);
  EXPECT_EQ(m.expires().value_or(0), 3600u);
  EXPECT_EQ(m.content_type(), "application/sdp");
  EXPECT_EQ(m.content_length().value_or(0), 4u);
  EXPECT_EQ(m.body(), "v=0\n");

  EXPECT_EQ(m.count(HeaderId::kVia), 2u);
  EXPECT_EQ(m.count_values(HeaderId::kVia), 3u);
  auto top = m.top_via();
  ASSERT_TRUE(top);
  EXPECT_EQ(top->host, "pc33.example.com");
  auto vias = m.vias();
  ASSERT_TRUE(vias);
  ASSERT_EQ(vias->size(), 3u);
  EXPECT_EQ((*vias)[1].transport, "TCP");
  EXPECT_EQ((*vias)[2].branch.value_or(""), "z9hG4bK2");

  auto from = m.from();
  ASSERT_TRUE(from);
  EXPECT_EQ(from->display_name_text(), "Alice, A.");
  EXPECT_EQ(from->tag(), "1928301774");
  EXPECT_EQ(m.to()->uri.user, "bob");
  auto contacts = m.contacts();
  ASSERT_TRUE(contacts);
  ASSERT_EQ(contacts->size(), 2u);
  EXPECT_EQ((*contacts)[0].param("expires").value_or(""), "60");
  EXPECT_EQ((*contacts)[1].uri.host, "192.0.2.4");
  ASSERT_EQ(m.routes()->size(), 2u);
  EXPECT_TRUE(m.record_routes()->empty());
  auto pai = m.p_asserted_identities();
  ASSERT_TRUE(pai);
  ASSERT_EQ(pai->size(), 2u);
  EXPECT_EQ((*pai)[1].uri.scheme_id, UriScheme::kTel);

  ASSERT_NE(m.find("x-custom"), nullptr);
  EXPECT_EQ(m.find("x-custom")->value, "one");
  EXPECT_EQ(m.find("Call-ID")->name, "i");
  EXPECT_EQ(m.find(HeaderId::kRecordRoute), nullptr);
  EXPECT_EQ(m.headers().size(), 14u);
  EXPECT_EQ(m.headers()[0].raw,
            "Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhds, SIP/2.0/TCP "
            "p1.example.com;branch=z9hG4bK1");
}

TEST(MessageTest, ViewsPointIntoTheBuffer) {
  Message m;
  ASSERT_EQ(parse_datagram(kInvite, Limits{}, m).status, ParseStatus::kOk);
  const char* begin = kInvite.data();
  const char* end = begin + kInvite.size();
  for (const HeaderField& f : m.headers()) {
    EXPECT_GE(f.raw.data(), begin);
    EXPECT_LE(f.raw.data() + f.raw.size(), end);
  }
  EXPECT_EQ(m.raw().data(), begin);
  EXPECT_EQ(m.raw().size(), kInvite.size());
}

TEST(MessageTest, SpillsPastInlineCapacityAndReuses) {
  std::string msg = "OPTIONS sip:a@example.com SIP/2.0\r\n";
  for (size_t i = 0; i < Message::kInlineHeaders + 10; ++i) {
    msg += "X-H" + std::to_string(i) + ": " + std::to_string(i) + "\r\n";
  }
  msg += "Call-ID: late\r\nContent-Length: 0\r\n\r\n";
  Message m;
  ASSERT_EQ(parse_datagram(msg, Limits{}, m).status, ParseStatus::kOk);
  EXPECT_EQ(m.headers().size(), Message::kInlineHeaders + 12);
  EXPECT_EQ(m.call_id(), "late");
  EXPECT_EQ(m.headers()[70].value, "70");
  // Reuse with a small message.
  ASSERT_EQ(parse_datagram(kInvite, Limits{}, m).status, ParseStatus::kOk);
  EXPECT_EQ(m.headers().size(), 14u);
  EXPECT_EQ(m.call_id(), "a84b4c76e66710@pc33.example.com");
  EXPECT_EQ(m.find("X-H3"), nullptr);
}

TEST(MessageTest, MalformedTypedFieldsAreNullopt) {
  const std::string bad =
      "OPTIONS sip:a@example.com SIP/2.0\r\n"
      "Via: SIP/2.0/UDP host;branch=z9hG4bK1, ;;\r\n"
      "CSeq: 12x OPTIONS\r\n"
      "Max-Forwards: 256\r\n"
      "Expires: -1\r\n"
      "From: <sip:a@b\r\n"
      "\r\n";
  Message m;
  ASSERT_EQ(parse_datagram(bad, Limits{}, m).status, ParseStatus::kOk);
  EXPECT_TRUE(m.top_via());
  EXPECT_FALSE(m.vias());
  EXPECT_FALSE(m.cseq());
  EXPECT_FALSE(m.max_forwards());
  EXPECT_FALSE(m.expires());
  EXPECT_FALSE(m.from());
  EXPECT_FALSE(m.to());
  EXPECT_TRUE(m.call_id().empty());
}

}  // namespace
}  // namespace imsguard::sip
