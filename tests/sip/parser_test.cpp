#include "sip/parser.h"

#include <gtest/gtest.h>

#include <string>

namespace imsguard::sip {
namespace {

const std::string kHeaders =
    "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
    "From: <sip:a@example.com>;tag=1\r\n"
    "To: <sip:b@example.com>\r\n"
    "Call-ID: c1\r\n"
    "CSeq: 1 OPTIONS\r\n";

// Keeps the last parsed buffer alive, since the Message views into it.
std::string g_buffer;

ParseResult parse(const std::string& s, Message& m, const Limits& l = Limits{}) {
  g_buffer = s;
  return parse_datagram(g_buffer, l, m);
}

TEST(ParserTest, RequestLineStrictness) {
  Message m;
  EXPECT_EQ(parse("OPTIONS sip:b@example.com SIP/2.0\r\n" + kHeaders + "\r\n", m).status,
            ParseStatus::kOk);
  struct Case {
    std::string line;
    int code;
  };
  const Case cases[] = {
      {"OPTIONS  sip:b@example.com SIP/2.0", 400},    // double SP
      {"OPTIONS sip:b@example.com SIP/2.0 ", 400},    // trailing SP
      {"OPTIONS sip:b@example.com; lr SIP/2.0", 400}, // LWS in R-URI
      {"OPTIONS <sip:b@example.com> SIP/2.0", 400},   // <> around R-URI
      {"OPTIONS sip:b@example.com SIP/7.0", 505},
      {"OPTIONS sip:b@example.com SIP/2.1", 505},
      {"OPTIONS sip:b@example.com HTTP/1.1", 400},
      {"OPTIONS sip:b@example.com", 400},
      {"OPT@ONS sip:b@example.com SIP/2.0", 400},
      {"OPTIONS sip:b@ex ample.com SIP/2.0", 400},
      {"OPTIONS noscheme SIP/2.0", 400},
      {"OPTIONS\tsip:b@example.com SIP/2.0", 400},
  };
  for (const Case& c : cases) {
    ParseResult r = parse(c.line + "\r\n" + kHeaders + "\r\n", m);
    EXPECT_EQ(r.status, ParseStatus::kReject) << c.line;
    EXPECT_EQ(r.code, c.code) << c.line;
    EXPECT_FALSE(r.reason.empty()) << c.line;
  }
  // A rejected request still has its headers indexed for the response.
  parse("OPTIONS sip:b@example.com SIP/7.0\r\n" + kHeaders + "\r\n", m);
  EXPECT_EQ(m.call_id(), "c1");
}

TEST(ParserTest, StatusLine) {
  Message m;
  ParseResult ok = parse("SIP/2.0 180 Ringing\r\n" + kHeaders + "\r\n", m);
  EXPECT_EQ(ok.status, ParseStatus::kOk);
  EXPECT_FALSE(m.is_request());
  EXPECT_EQ(m.status_code(), 180);
  EXPECT_EQ(m.reason(), "Ringing");
  EXPECT_EQ(parse("SIP/2.0 100 \r\n" + kHeaders + "\r\n", m).status, ParseStatus::kOk);
  EXPECT_EQ(m.reason(), "");
  for (const char* line : {"SIP/2.0 099 Low", "SIP/2.0 700 High", "SIP/2.0 4294967301 Big",
                           "SIP/2.0 20 Short", "SIP/3.0 200 OK", "SIP/2.0 2x0 OK"}) {
    ParseResult r = parse(std::string(line) + "\r\n" + kHeaders + "\r\n", m);
    EXPECT_EQ(r.status, ParseStatus::kDrop) << line;
  }
}

TEST(ParserTest, FoldingAndCompactForms) {
  Message m;
  std::string s =
      "OPTIONS sip:b@example.com SIP/2.0\r\n"
      "v: SIP/2.0/UDP h.example.com\r\n ;branch=z9hG4bK1\r\n"
      "f: <sip:a@example.com>;tag=1\r\nt: <sip:b@example.com>\r\ni: c1\r\n"
      "Subject:\r\n  folded\r\n\tagain\r\n"
      "CSeq: 1 OPTIONS\r\nl: 0\r\n\r\n";
  ASSERT_EQ(parse(s, m).status, ParseStatus::kOk);
  EXPECT_EQ(m.top_via()->branch.value_or(""), "z9hG4bK1");
  EXPECT_EQ(m.find(HeaderId::kSubject)->value, "folded\r\n\tagain");
  EXPECT_EQ(m.find(HeaderId::kSubject)->raw, "Subject:\r\n  folded\r\n\tagain");
  EXPECT_EQ(m.content_length().value_or(99), 0u);
}

TEST(ParserTest, ContentLengthFraming) {
  Message m;
  std::string head = "MESSAGE sip:b@example.com SIP/2.0\r\n" + kHeaders;
  // Trailing octets are discarded.
  ParseResult r = parse(head + "Content-Length: 5\r\n\r\nhelloEXTRA", m);
  EXPECT_EQ(r.status, ParseStatus::kOk);
  EXPECT_EQ(m.body(), "hello");
  EXPECT_EQ(r.consumed, head.size() + 21 + 5);
  // No Content-Length on UDP: the body is the rest of the datagram.
  r = parse(head + "\r\nrest of it", m);
  EXPECT_EQ(r.status, ParseStatus::kOk);
  EXPECT_EQ(m.body(), "rest of it");
  EXPECT_FALSE(m.content_length());
  // Body shorter than declared, negative, conflicting, garbage.
  for (const char* cl : {"Content-Length: 50\r\n", "Content-Length: -1\r\n",
                         "Content-Length: 5\r\nl: 6\r\n", "Content-Length: 5x\r\n",
                         "Content-Length: 99999999999999\r\n"}) {
    r = parse(head + cl + "\r\nhello!", m);
    EXPECT_EQ(r.status, ParseStatus::kReject) << cl;
    EXPECT_EQ(r.code, 400) << cl;
  }
  // Duplicate but equal values are tolerated.
  EXPECT_EQ(parse(head + "Content-Length: 5\r\nl: 5\r\n\r\nhello", m).status, ParseStatus::kOk);
}

TEST(ParserTest, Limits) {
  Message m;
  std::string head = "OPTIONS sip:b@example.com SIP/2.0\r\n" + kHeaders;
  Limits small;
  small.max_message_bytes = 100;
  ParseResult r = parse(head + "\r\n", m, small);
  EXPECT_EQ(r.status, ParseStatus::kReject);
  EXPECT_EQ(r.code, 513);

  Limits few;
  few.max_headers = 4;
  r = parse(head + "\r\n", m, few);
  EXPECT_EQ(r.code, 400);
  EXPECT_LE(m.headers().size(), 4u);

  Limits short_lines;
  short_lines.max_header_bytes = 20;
  EXPECT_EQ(parse(head + "\r\n", m, short_lines).code, 400);

  Limits vias;
  vias.max_via = 2;
  std::string three = head + "Via: SIP/2.0/UDP a;branch=z9hG4bK2, SIP/2.0/UDP b;branch=z9hG4bK3\r\n\r\n";
  EXPECT_EQ(parse(three, m, vias).code, 400);
  vias.max_via = 3;
  EXPECT_EQ(parse(three, m, vias).status, ParseStatus::kOk);

  // A response over a limit is dropped, not answered.
  r = parse("SIP/2.0 200 OK\r\n" + kHeaders + "\r\n", m, small);
  EXPECT_EQ(r.status, ParseStatus::kDrop);
}

TEST(ParserTest, LineEndingsAndKeepAlives) {
  Message m;
  std::string head = "OPTIONS sip:b@example.com SIP/2.0\r\n" + kHeaders;
  EXPECT_EQ(parse("\r\n\r\n", m).status, ParseStatus::kDrop);
  EXPECT_EQ(parse("", m).status, ParseStatus::kDrop);
  // Leading CRLFs are skipped (RFC 3261 7.5).
  EXPECT_EQ(parse("\r\n" + head + "\r\n", m).status, ParseStatus::kOk);
  EXPECT_EQ(m.call_id(), "c1");
  EXPECT_EQ(parse(head + "X: a\nY: b\r\n\r\n", m).code, 400);    // bare LF
  EXPECT_EQ(parse(head + "X: a\rb\r\n\r\n", m).code, 400);       // bare CR
  EXPECT_EQ(parse(head + "NoColon\r\n\r\n", m).code, 400);
  EXPECT_EQ(parse(head + ": empty name\r\n\r\n", m).code, 400);
  EXPECT_EQ(parse("OPTIONS sip:b@example.com SIP/2.0\r\n continuation\r\n\r\n", m).code, 400);
  EXPECT_EQ(parse(head + "X: truncated", m).code, 400);
  EXPECT_EQ(parse("OPTIONS sip:b@example.com SIP/2.0", m).code, 400);
  // A datagram that ends after a complete header line ends the header section.
  EXPECT_EQ(parse(head, m).status, ParseStatus::kOk);
  // On a stream the empty line and Content-Length are mandatory.
  EXPECT_EQ(parse_stream_message(head, Limits{}, m).code, 400);
  EXPECT_EQ(parse_stream_message(head + "\r\n", Limits{}, m).code, 400);
  EXPECT_EQ(parse_stream_message(head + "l: 0\r\n\r\n", Limits{}, m).status, ParseStatus::kOk);
}

}  // namespace
}  // namespace imsguard::sip
