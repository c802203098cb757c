// Runs every RFC 4475 torture message through parse_datagram + check_request (or
// check_response) and asserts the handling INDEX.md gives, plus the specific field values
// the RFC calls out.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "read_file.h"
#include "sip/parser.h"
#include "sip/validation.h"

namespace imsguard::sip {
namespace {

using testing::rfc4475_dir;
using testing::torture;

constexpr int kAccepted = 0;
constexpr int kDropped = -1;

// Expected handling of one file. For a request that parses, the verdict code per role
// (kAccepted: no refusal). For a response that parses, `proxy` says whether the element
// processes it (kAccepted) or discards it (kDropped).
struct Expectation {
  ParseStatus status;
  int parse_code;  // for kReject
  int proxy;
  int registrar;
  int user_agent;
};

Expectation ok(int proxy, int registrar, int ua) {
  return {ParseStatus::kOk, 0, proxy, registrar, ua};
}
Expectation ok_all(int code) { return ok(code, code, code); }
Expectation reject(int code) { return {ParseStatus::kReject, code, 0, 0, 0}; }
Expectation drop() { return {ParseStatus::kDrop, 0, 0, 0, 0}; }

const std::map<std::string, Expectation>& expectations() {
  static const std::map<std::string, Expectation> table = {
      // 3.1.1 valid
      {"wsinv", ok_all(kAccepted)},
      {"intmeth", ok_all(501)},  // unknown method: 501 with Allow
      {"esc01", ok_all(kAccepted)},
      {"escnull", ok_all(kAccepted)},
      {"esc02", ok_all(501)},  // RE%47IST%45R is not REGISTER
      {"lwsdisp", ok_all(kAccepted)},
      {"longreq", reject(400)},  // 34 Vias > default max_via 32; see LongReqWithRaisedLimits
      {"dblreq", ok_all(kAccepted)},
      {"semiuri", ok_all(kAccepted)},
      {"transports", ok_all(kAccepted)},
      {"mpart01", ok_all(kAccepted)},
      {"unreason", ok_all(kAccepted)},
      {"noreason", ok_all(kAccepted)},
      // 3.1.2 invalid
      {"badinv01", ok_all(400)},
      {"clerr", reject(400)},
      {"ncl", reject(400)},
      {"scalar02", ok_all(400)},
      {"scalarlg", ok_all(kDropped)},
      {"quotbal", ok_all(400)},
      {"ltgtruri", reject(400)},
      {"lwsruri", reject(400)},
      {"lwsstart", reject(400)},
      {"trws", reject(400)},
      {"escruri", ok_all(400)},
      {"baddate", ok_all(400)},
      {"regbadct", ok_all(400)},
      {"badaspec", ok_all(400)},
      {"baddn", ok_all(400)},
      {"badvers", reject(505)},
      {"mismatch01", ok_all(400)},
      {"mismatch02", ok_all(501)},
      {"bigcode", drop()},
      // 3.2 / 3.3 semantic
      {"badbranch", ok_all(kAccepted)},
      {"insuf", ok_all(400)},
      {"unkscm", ok_all(416)},
      {"novelsc", ok_all(416)},
      {"unksm2", ok(kAccepted, 400, kAccepted)},
      {"bext01", ok_all(420)},
      {"invut", ok(kAccepted, 415, 415)},
      {"regaut01", ok_all(kAccepted)},
      {"multi01", ok_all(400)},
      {"mcl01", reject(400)},
      {"bcast", ok_all(kAccepted)},
      {"zeromf", ok(483, kAccepted, kAccepted)},
      {"cparam01", ok_all(kAccepted)},
      {"cparam02", ok_all(kAccepted)},
      {"regescrt", ok_all(kAccepted)},
      {"sdp01", ok(kAccepted, kAccepted, 406)},
      // 3.4 backward compatibility
      {"inv2543", ok_all(kAccepted)},
      // not described by RFC 4475: its request line lacks the SIP-Version
      {"test", reject(400)},
      // corrected baddn (final CRLF added): still refused for the display names
      {"variants/baddn-with-final-crlf", ok_all(400)},
  };
  return table;
}

int verdict_code(const Message& m, Role role) {
  if (!m.is_request()) return check_response(m) ? kDropped : kAccepted;
  ValidationPolicy policy;
  policy.role = role;
  auto v = check_request(m, policy);
  return v ? v->code : kAccepted;
}

TEST(Rfc4475Test, EveryFileHasTheExpectedHandling) {
  size_t files = 0;
  for (const auto& dir : {rfc4475_dir(), rfc4475_dir() + "/variants"}) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() != ".dat") continue;
      std::string name = entry.path().stem().string();
      if (dir != rfc4475_dir()) name = "variants/" + name;
      SCOPED_TRACE(name);
      ++files;
      auto it = expectations().find(name);
      ASSERT_NE(it, expectations().end()) << "no expectation for " << name;
      const Expectation& e = it->second;
      std::string bytes = testing::read_file(entry.path().string());
      Message m;
      ParseResult r = parse_datagram(bytes, Limits{}, m);
      ASSERT_EQ(r.status, e.status) << r.reason;
      EXPECT_LE(r.consumed, bytes.size());
      if (r.status == ParseStatus::kReject) {
        EXPECT_EQ(r.code, e.parse_code) << r.reason;
        EXPECT_FALSE(r.reason.empty());
        continue;
      }
      if (r.status == ParseStatus::kDrop) continue;
      EXPECT_EQ(verdict_code(m, Role::kProxy), e.proxy);
      if (m.is_request()) {
        EXPECT_EQ(verdict_code(m, Role::kRegistrar), e.registrar);
        EXPECT_EQ(verdict_code(m, Role::kUserAgent), e.user_agent);
      }
    }
  }
  // 50 archive files plus the corrected baddn variant.
  EXPECT_EQ(files, 51u);
  EXPECT_EQ(files, expectations().size());
}

// Parses a file that must parse, keeping the buffer alive with the message.
struct Parsed {
  std::string bytes;
  Message message;
  ParseResult result;
  explicit Parsed(const std::string& name, const Limits& limits = Limits{})
      : bytes(torture(name)) {
    result = parse_datagram(bytes, limits, message);
  }
};

TEST(Rfc4475Test, WsinvFields) {
  Parsed p("wsinv");
  ASSERT_EQ(p.result.status, ParseStatus::kOk);
  const Message& m = p.message;
  EXPECT_EQ(m.max_forwards().value_or(0), 68u);
  EXPECT_EQ(m.cseq()->number, 9u);
  EXPECT_EQ(m.cseq()->method, "INVITE");
  EXPECT_EQ(m.to()->tag(), "1918181833n");
  EXPECT_EQ(m.from()->tag(), "98asjd8");
  EXPECT_EQ(m.from()->display_name_text(), "J Rosenberg \\\"");
  EXPECT_EQ(m.find(HeaderId::kSubject)->value, "");
  EXPECT_EQ(m.find("NewFangledHeader")->value, "newfangled value\r\n continued newfangled value");
  auto vias = m.vias();
  ASSERT_TRUE(vias);
  ASSERT_EQ(vias->size(), 3u);
  EXPECT_EQ((*vias)[0].host, "192.0.2.2");
  EXPECT_EQ((*vias)[1].transport, "TCP");
  EXPECT_EQ((*vias)[1].branch.value_or(""), "z9hG4bK9ikj8");
  EXPECT_EQ(m.body().size(), 150u);
}

TEST(Rfc4475Test, IntmethKeepsTheMethodLiterally) {
  Parsed p("intmeth");
  ASSERT_EQ(p.result.status, ParseStatus::kOk);
  const Message& m = p.message;
  EXPECT_EQ(m.method(), Method::kUnknown);
  EXPECT_EQ(m.method_name(), "!interesting-Method0123456789_*+`.%indeed'~");
  EXPECT_EQ(m.cseq()->method, m.method_name());
  auto ruri = parse_uri(m.request_uri());
  ASSERT_TRUE(ruri);
  EXPECT_EQ(ruri->user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
  auto to = m.to();
  ASSERT_TRUE(to);
  EXPECT_EQ(to->display_name_text(), std::string("BEL:\x07 NUL:\0 DEL:\x7f", 17));
  EXPECT_EQ(m.call_id(), "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
  ValidationPolicy policy;
  policy.role = Role::kUserAgent;
  auto v = check_request(m, policy);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->code, 501);
  ASSERT_FALSE(v->headers.empty());
  EXPECT_EQ(v->headers[0].first, "Allow");
}

TEST(Rfc4475Test, Esc01Unescaping) {
  Parsed p("esc01");
  ASSERT_EQ(p.result.status, ParseStatus::kOk);
  auto ruri = parse_uri(p.message.request_uri());
  ASSERT_TRUE(ruri);
  EXPECT_EQ(ruri->user_unescaped(), "sips:user@example.com");
  EXPECT_EQ(ruri->host, "example.net");
  EXPECT_EQ(p.message.to()->uri.user_unescaped(), "user");
  EXPECT_EQ(p.message.from()->uri.user_unescaped(), "I have spaces");
  auto contacts = p.message.contacts();
  ASSERT_TRUE(contacts);
  ASSERT_EQ(contacts->size(), 1u);
  EXPECT_EQ((*contacts)[0].uri.user_unescaped(), "caller");
  // name=value%25%34%31 unescapes once, to value%41 (not recursively to valueA).
  EXPECT_EQ(unescape((*contacts)[0].uri.param("n%61me").value_or("")), "value%41");
}

TEST(Rfc4475Test, EscnullTwoDistinctContacts) {
  Parsed p("escnull");
  ASSERT_EQ(p.result.status, ParseStatus::kOk);
  EXPECT_EQ(p.message.to()->uri.user_unescaped(), std::string("null-\0-null", 11));
  auto contacts = p.message.contacts();
  ASSERT_TRUE(contacts);
  ASSERT_EQ(contacts->size(), 2u);
  std::string a = (*contacts)[0].uri.user_unescaped();
  std::string b = (*contacts)[1].uri.user_unescaped();
  EXPECT_EQ(a, std::string("\0", 1));
  EXPECT_EQ(b, std::string("\0\0", 2));
  EXPECT_NE(a, b);
}

TEST(Rfc4475Test, Esc02PercentIsNotAnEscape) {
  Parsed p("esc02");
  ASSERT_EQ(p.result.status, ParseStatus::kOk);
  EXPECT_NE(p.message.method(), Method::kRegister);
  EXPECT_EQ(p.message.method_name(), "RE%47IST%45R");
  EXPECT_EQ(p.message.to()->display_name_text(), "%Z%45");
  EXPECT_EQ(p.message.contacts()->size(), 2u);  // C%6Fntact is another header
  ASSERT_NE(p.message.find("C%6Fntact"), nullptr);
}

TEST(Rfc4475Test, LwsdispAndSemiuri) {
  Parsed lws("lwsdisp");
  ASSERT_EQ(lws.result.status, ParseStatus::kOk);
  EXPECT_EQ(lws.message.from()->display_name_text(), "caller");
  Parsed semi("semiuri");
  ASSERT_EQ(semi.result.status, ParseStatus::kOk);
  auto ruri = parse_uri(semi.message.request_uri());
  ASSERT_TRUE(ruri);
  EXPECT_EQ(ruri->user_unescaped(), "user;par=u@example.net");
  EXPECT_EQ(ruri->host, "example.com");
  EXPECT_EQ(semi.message.count_values(HeaderId::kAccept), 6u);
}

TEST(Rfc4475Test, LongReqWithRaisedLimits) {
  Limits limits;
  limits.max_via = 34;
  Parsed p("longreq", limits);
  ASSERT_EQ(p.result.status, ParseStatus::kOk) << p.result.reason;
  auto vias = p.message.vias();
  ASSERT_TRUE(vias);
  EXPECT_EQ(vias->size(), 34u);
  EXPECT_GT(p.message.to()->display_name_text().size(), 90u);
  EXPECT_EQ(vias->front().host, "sip33.example.com");
  ASSERT_TRUE(vias->back().branch);
  EXPECT_GT(vias->back().branch->size(), 100u);
  for (Role role : {Role::kProxy, Role::kRegistrar, Role::kUserAgent}) {
    EXPECT_EQ(verdict_code(p.message, role), kAccepted);
  }
  Limits tight;
  tight.max_via = 33;
  Parsed refused("longreq", tight);
  EXPECT_EQ(refused.result.status, ParseStatus::kReject);
  EXPECT_EQ(refused.result.code, 400);
}

TEST(Rfc4475Test, DblreqDiscardsTrailingOctets) {
  Parsed p("dblreq");
  ASSERT_EQ(p.result.status, ParseStatus::kOk);
  EXPECT_EQ(p.message.method(), Method::kRegister);
  EXPECT_TRUE(p.message.body().empty());
  EXPECT_LT(p.result.consumed, p.bytes.size());
  EXPECT_EQ(p.bytes.size() - p.result.consumed, 450u);
  EXPECT_EQ(p.message.raw().size(), p.result.consumed);
}

TEST(Rfc4475Test, TransportsAreKept) {
  Parsed p("transports");
  ASSERT_EQ(p.result.status, ParseStatus::kOk);
  auto vias = p.message.vias();
  ASSERT_TRUE(vias);
  ASSERT_EQ(vias->size(), 5u);
  const char* expected[] = {"UDP", "SCTP", "TLS", "UNKNOWN", "TCP"};
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ((*vias)[i].transport, expected[i]);
}

TEST(Rfc4475Test, Mpart01BodyFramedByContentLength) {
  Parsed p("mpart01");
  ASSERT_EQ(p.result.status, ParseStatus::kOk);
  EXPECT_EQ(p.message.body().size(), 553u);
  EXPECT_EQ(p.message.content_type(), "multipart/mixed");
  EXPECT_NE(p.message.body().find('\0'), std::string_view::npos);
}

TEST(Rfc4475Test, ReasonPhrases) {
  Parsed none("noreason");
  ASSERT_EQ(none.result.status, ParseStatus::kOk);
  EXPECT_EQ(none.message.status_code(), 100);
  EXPECT_EQ(none.message.reason(), "");
  Parsed utf8("unreason");
  ASSERT_EQ(utf8.result.status, ParseStatus::kOk);
  EXPECT_EQ(utf8.message.status_code(), 200);
  std::string_view reason = utf8.message.reason();
  ASSERT_FALSE(reason.empty());
  // Cyrillic text: UTF-8 lead bytes 0xD0/0xD1 appear.
  EXPECT_NE(reason.find('\xD0'), std::string_view::npos);
}

TEST(Rfc4475Test, Bext01ListsTheUnknownOptions) {
  Parsed p("bext01");
  ASSERT_EQ(p.result.status, ParseStatus::kOk);
  ValidationPolicy proxy;
  proxy.role = Role::kProxy;
  auto pv = check_request(p.message, proxy);
  ASSERT_TRUE(pv);
  EXPECT_EQ(pv->code, 420);
  ASSERT_EQ(pv->headers.size(), 1u);
  EXPECT_EQ(pv->headers[0].second, "noProxiesSupportThis, norDoAnyProxiesSupportThis");
  ValidationPolicy ua;
  ua.role = Role::kUserAgent;
  auto uv = check_request(p.message, ua);
  ASSERT_TRUE(uv);
  EXPECT_EQ(uv->headers[0].second, "nothingSupportsThis, nothingSupportsThisEither");
}

TEST(Rfc4475Test, FramingErrorsDoNotMaskBaddn) {
  // The archive's baddn has no empty line; both forms are refused for the display names.
  for (const char* name : {"baddn", "variants/baddn-with-final-crlf"}) {
    Parsed p(name);
    ASSERT_EQ(p.result.status, ParseStatus::kOk) << name;
    ValidationPolicy policy;
    auto v = check_request(p.message, policy);
    ASSERT_TRUE(v) << name;
    EXPECT_EQ(v->code, 400) << name;
    EXPECT_NE(v->reason.find("From"), std::string::npos) << v->reason;
  }
}

TEST(Rfc4475Test, Inv2543BodyIsTheRestOfTheDatagram) {
  Parsed p("inv2543");
  ASSERT_EQ(p.result.status, ParseStatus::kOk);
  EXPECT_FALSE(p.message.content_length());
  EXPECT_EQ(p.message.body().size(), 105u);
  EXPECT_FALSE(p.message.top_via()->branch);
}

TEST(Rfc4475Test, CparamsAndRegescrt) {
  Parsed c1("cparam01");
  ASSERT_EQ(c1.result.status, ParseStatus::kOk);
  auto k1 = c1.message.contacts();
  ASSERT_TRUE(k1);
  EXPECT_TRUE((*k1)[0].param("unknownparam"));
  EXPECT_FALSE((*k1)[0].uri.param("unknownparam"));
  Parsed c2("cparam02");
  ASSERT_EQ(c2.result.status, ParseStatus::kOk);
  auto k2 = c2.message.contacts();
  ASSERT_TRUE(k2);
  EXPECT_TRUE((*k2)[0].uri.param("unknownparam"));
  Parsed esc("regescrt");
  ASSERT_EQ(esc.result.status, ParseStatus::kOk);
  auto k3 = esc.message.contacts();
  ASSERT_TRUE(k3);
  EXPECT_EQ((*k3)[0].uri.headers, "Route=%3Csip:sip.example.com%3E");
}

TEST(Rfc4475Test, BcastSecondViaIsBroadcast) {
  Parsed p("bcast");
  ASSERT_EQ(p.result.status, ParseStatus::kOk);
  auto vias = p.message.vias();
  ASSERT_TRUE(vias);
  ASSERT_GE(vias->size(), 2u);
  EXPECT_EQ((*vias)[1].host, "255.255.255.255");
}

}  // namespace
}  // namespace imsguard::sip
