#include "sip/validation.h"

#include <gtest/gtest.h>

#include <string>

#include "sip/parser.h"

namespace imsguard::sip {
namespace {

// Builds an OPTIONS/whatever request from a method, R-URI and extra header lines, with
// every mandatory field present unless listed in `drop`.
std::string request(const std::string& method, const std::string& extra = "",
                    const std::string& ruri = "sip:b@example.com", const std::string& drop = "",
                    const std::string& body = "") {
  std::string s = method + " " + ruri + " SIP/2.0\r\n";
  if (drop.find("Via") == std::string::npos) s += "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n";
  if (drop.find("From") == std::string::npos) s += "From: <sip:a@example.com>;tag=1\r\n";
  if (drop.find("To") == std::string::npos) s += "To: <sip:b@example.com>\r\n";
  if (drop.find("Call-ID") == std::string::npos) s += "Call-ID: c1@h\r\n";
  if (drop.find("CSeq") == std::string::npos) s += "CSeq: 1 " + method + "\r\n";
  s += extra;
  s += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return s;
}

struct Checked {
  std::string buffer;
  Message message;
  std::optional<Verdict> verdict;
};

Checked check(const std::string& text, Role role = Role::kUserAgent) {
  Checked c;
  c.buffer = text;
  ParseResult r = parse_datagram(c.buffer, Limits{}, c.message);
  EXPECT_EQ(r.status, ParseStatus::kOk) << text;
  ValidationPolicy policy;
  policy.role = role;
  c.verdict = check_request(c.message, policy);
  return c;
}

int code(const std::string& text, Role role = Role::kUserAgent) {
  Checked c = check(text, role);
  return c.verdict ? c.verdict->code : 0;
}

TEST(ValidationTest, AcceptsAWellFormedRequest) {
  EXPECT_EQ(code(request("OPTIONS")), 0);
  EXPECT_EQ(code(request("INVITE", "Content-Type: application/sdp\r\n", "sip:b@example.com", "",
                         "v=0\r\n")),
            0);
}

TEST(ValidationTest, MissingMandatoryFields) {
  for (const char* field : {"Via", "From", "To", "Call-ID", "CSeq"}) {
    Checked c = check(request("OPTIONS", "", "sip:b@example.com", field));
    ASSERT_TRUE(c.verdict) << field;
    EXPECT_EQ(c.verdict->code, 400) << field;
    EXPECT_NE(c.verdict->reason.find(field), std::string::npos) << c.verdict->reason;
  }
}

TEST(ValidationTest, SingleValueFieldsRepeated) {
  EXPECT_EQ(code(request("OPTIONS", "Call-ID: other\r\n")), 400);
  EXPECT_EQ(code(request("OPTIONS", "Max-Forwards: 70\r\nMax-Forwards: 69\r\n")), 400);
  EXPECT_EQ(code(request("OPTIONS", "t: <sip:c@example.com>\r\n")), 400);
  EXPECT_EQ(code(request("OPTIONS", "Expires: 1\r\nExpires: 2\r\n")), 400);
}

TEST(ValidationTest, ScalarRanges) {
  EXPECT_EQ(code(request("OPTIONS", "Max-Forwards: 256\r\n")), 400);
  EXPECT_EQ(code(request("OPTIONS", "Max-Forwards: 255\r\n")), 0);
  EXPECT_EQ(code(request("OPTIONS", "Expires: 4294967296\r\n")), 400);
  EXPECT_EQ(code(request("OPTIONS", "Expires: 4294967295\r\n")), 0);
  EXPECT_EQ(code(request("REGISTER", "Contact: <sip:a@h>;expires=99999999999\r\n")), 400);
}

TEST(ValidationTest, MethodHandling) {
  Checked unknown = check(request("FOO"));
  ASSERT_TRUE(unknown.verdict);
  EXPECT_EQ(unknown.verdict->code, 501);
  ASSERT_EQ(unknown.verdict->headers.size(), 1u);
  EXPECT_EQ(unknown.verdict->headers[0].first, "Allow");
  EXPECT_NE(unknown.verdict->headers[0].second.find("INVITE"), std::string::npos);
  // Methods are case-sensitive.
  EXPECT_EQ(code(request("invite")), 501);
  std::string mismatch = request("OPTIONS");
  mismatch.replace(mismatch.find("CSeq: 1 OPTIONS"), 15, "CSeq: 1 INVITE");
  EXPECT_EQ(code(mismatch), 400);
}

TEST(ValidationTest, UriSchemes) {
  EXPECT_EQ(code(request("OPTIONS", "", "tel:+15551234")), 0);
  EXPECT_EQ(code(request("OPTIONS", "", "mailto:a@example.com")), 416);
  EXPECT_EQ(code(request("OPTIONS", "", "sip:b@example.com?Subject=x")), 400);
}

TEST(ValidationTest, ExtensionsPerRole) {
  std::string text = request("OPTIONS", "Require: 100rel, foo\r\nProxy-Require: bar\r\n");
  Checked ua = check(text, Role::kUserAgent);
  ASSERT_TRUE(ua.verdict);
  EXPECT_EQ(ua.verdict->code, 420);
  ASSERT_EQ(ua.verdict->headers.size(), 1u);
  EXPECT_EQ(ua.verdict->headers[0].first, "Unsupported");
  EXPECT_EQ(ua.verdict->headers[0].second, "foo");
  Checked proxy = check(text, Role::kProxy);
  ASSERT_TRUE(proxy.verdict);
  EXPECT_EQ(proxy.verdict->code, 420);
  EXPECT_EQ(proxy.verdict->headers[0].second, "bar");
  // Require is not checked for ACK.
  EXPECT_EQ(code(request("ACK", "Require: foo\r\n")), 0);
}

TEST(ValidationTest, MaxForwardsZeroOnlyStopsAProxy) {
  std::string text = request("OPTIONS", "Max-Forwards: 0\r\n");
  EXPECT_EQ(code(text, Role::kProxy), 483);
  EXPECT_EQ(code(text, Role::kUserAgent), 0);
}

TEST(ValidationTest, BodiesAndAccept) {
  std::string odd = request("INVITE", "Content-Type: application/unknown\r\n", "sip:b@example.com",
                            "", "xyz");
  Checked c = check(odd, Role::kUserAgent);
  ASSERT_TRUE(c.verdict);
  EXPECT_EQ(c.verdict->code, 415);
  EXPECT_EQ(c.verdict->headers[0].first, "Accept");
  EXPECT_EQ(code(odd, Role::kProxy), 0);
  EXPECT_EQ(code(request("MESSAGE", "", "sip:b@example.com", "", "hi")), 400);  // no type
  EXPECT_EQ(code(request("INVITE", "Accept: text/html\r\n")), 406);
  EXPECT_EQ(code(request("INVITE", "Accept: application/*\r\n")), 0);
  EXPECT_EQ(code(request("INVITE", "Accept: */*\r\n")), 0);
}

TEST(ValidationTest, Registrar) {
  std::string tel_aor = request("REGISTER");
  tel_aor.replace(tel_aor.find("To: <sip:b@example.com>"), 23, "To: <tel:+1555>");
  EXPECT_EQ(code(tel_aor, Role::kRegistrar), 400);
  EXPECT_EQ(code(tel_aor, Role::kProxy), 0);
  EXPECT_EQ(code(request("REGISTER", "Contact: *\r\nExpires: 0\r\n"), Role::kRegistrar), 0);
  EXPECT_EQ(code(request("REGISTER", "Contact: *, <sip:a@h>\r\n"), Role::kRegistrar), 400);
  EXPECT_EQ(code(request("INVITE", "Contact: *\r\n")), 400);
}

TEST(ValidationTest, DatePolicy) {
  std::string text = request("OPTIONS", "Date: Fri, 01 Jan 2010 16:00:00 EST\r\n");
  EXPECT_EQ(code(text), 400);
  Checked c;
  c.buffer = text;
  ASSERT_EQ(parse_datagram(c.buffer, Limits{}, c.message).status, ParseStatus::kOk);
  ValidationPolicy lenient;
  lenient.check_date = false;
  EXPECT_FALSE(check_request(c.message, lenient));
  EXPECT_EQ(code(request("OPTIONS", "Date: Sat, 13 Nov 2010 23:29:00 GMT\r\n")), 0);
}

TEST(ValidationTest, Responses) {
  std::string ok =
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=1\r\n"
      "To: <sip:b@x>;tag=2\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nl: 0\r\n\r\n";
  Message m;
  ASSERT_EQ(parse_datagram(ok, Limits{}, m).status, ParseStatus::kOk);
  EXPECT_FALSE(check_response(m));
  std::string no_cseq = ok;
  no_cseq.replace(no_cseq.find("CSeq: 1 INVITE\r\n"), 16, "");
  ASSERT_EQ(parse_datagram(no_cseq, Limits{}, m).status, ParseStatus::kOk);
  EXPECT_TRUE(check_response(m));
}

}  // namespace
}  // namespace imsguard::sip
