// Truncations, mutations and garbage built from every RFC 4475 message: the parser and
// everything downstream of it (typed access, validation, responses, writer, framer) must
// return a clean outcome and never crash (ASan/UBSan make any memory error fatal here).
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "read_file.h"
#include "sip/parser.h"
#include "sip/response.h"
#include "sip/stream_framer.h"
#include "sip/validation.h"
#include "sip/writer.h"

namespace imsguard::sip {
namespace {

std::vector<std::string> corpus() {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(testing::rfc4475_dir())) {
    if (entry.path().extension() == ".dat") out.push_back(testing::read_file(entry.path().string()));
  }
  return out;
}

// Runs one input through every consumer; returns false if an outcome is not clean.
bool exercise(const std::string& input) {
  Message m;
  ParseResult r = parse_datagram(input, Limits{}, m);
  if (r.consumed > input.size()) return false;
  switch (r.status) {
    case ParseStatus::kReject:
      if (r.code != 400 && r.code != 505 && r.code != 513) return false;
      if (r.reason.empty()) return false;
      // The edge answers a refusal from what was indexed.
      if (make_response(m, r.code, r.reason).rfind("SIP/2.0 ", 0) != 0) return false;
      break;
    case ParseStatus::kDrop:
      if (r.reason.empty()) return false;
      break;
    case ParseStatus::kOk: {
      // Touch every typed accessor.
      (void)m.cseq();
      (void)m.max_forwards();
      (void)m.expires();
      (void)m.vias();
      (void)m.top_via();
      (void)m.from();
      (void)m.to();
      (void)m.contacts();
      (void)m.routes();
      (void)m.record_routes();
      (void)m.p_asserted_identities();
      (void)m.content_type();
      (void)m.auth_values(HeaderId::kAuthorization);
      (void)m.auth_values(HeaderId::kAuthenticationInfo);
      (void)m.security_mechanisms(HeaderId::kSecurityClient);
      (void)m.privacy();
      if (auto vias = m.vias()) {
        for (const Via& v : *vias) (void)v.has_rfc3261_branch();
      }
      if (auto contacts = m.contacts()) {
        for (const NameAddr& c : *contacts) {
          (void)c.display_name_text();
          (void)c.uri.user_unescaped();
          (void)c.uri.param("transport");
        }
      }
      if (m.is_request()) {
        for (Role role : {Role::kProxy, Role::kRegistrar, Role::kUserAgent}) {
          ValidationPolicy policy;
          policy.role = role;
          auto v = check_request(m, policy);
          if (v && (v->code < 400 || v->code > 699 || v->reason.empty())) return false;
        }
        (void)make_response(m, 400, "Bad Request", {}, "tag");
        (void)parse_uri(m.request_uri());
      } else {
        (void)check_response(m);
      }
      std::string out = MessageWriter(m)
                            .prepend_via("SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKx")
                            .remove_first(HeaderId::kRoute)
                            .str();
      Message again;
      ParseResult r2 = parse_datagram(out, Limits{}, again);
      if (r2.consumed > out.size()) return false;
      break;
    }
  }
  StreamFramer framer;
  FrameResult f = framer.next(input);
  if (f.length > input.size()) return false;
  if (f.kind == FrameKind::kMessage) {
    Message s;
    ParseResult rs = parse_stream_message(std::string_view(input).substr(0, f.length), Limits{}, s);
    if (rs.consumed > f.length) return false;
  }
  return true;
}

TEST(RobustnessTest, EveryTruncationOfEveryTortureMessage) {
  ASSERT_GE(corpus().size(), 49u) << testing::rfc4475_dir();
  size_t runs = 0;
  for (const std::string& msg : corpus()) {
    for (size_t len = 0; len <= msg.size(); ++len) {
      // A fresh copy of exactly len bytes, so ASan sees any read past the end.
      std::string cut = msg.substr(0, len);
      ASSERT_TRUE(exercise(cut)) << cut;
      ++runs;
    }
  }
  EXPECT_GT(runs, 20000u);
}

TEST(RobustnessTest, RandomMutations) {
  std::mt19937 rng(4475);
  const char kInteresting[] = {'\r', '\n', '\0', '"', '\\', '<', '>', ',', ';', ':', '=', '%',
                               ' ', '\t', '@', '[', ']', '?', '/', '\x7f', '\xff', '0', '9'};
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  const std::vector<std::string> messages = corpus();
  // RFC 4475 section 3 has 49 messages: an empty or partial corpus must not pass silently.
  ASSERT_GE(messages.size(), 49u) << testing::rfc4475_dir();
  size_t outcomes[3] = {0, 0, 0};  // kOk, kReject, kDrop
  size_t changed = 0;
  for (const std::string& msg : messages) {
    for (int i = 0; i < 300; ++i) {
      std::string m = msg;
      int edits = 1 + static_cast<int>(pick(4));
      for (int e = 0; e < edits && !m.empty(); ++e) {
        size_t at = pick(m.size());
        switch (pick(5)) {
          case 0: m[at] = kInteresting[pick(sizeof kInteresting)]; break;
          case 1: m.insert(at, 1, kInteresting[pick(sizeof kInteresting)]); break;
          case 2: m.erase(at, 1 + pick(16)); break;
          case 3: m.insert(at, m.substr(at, 1 + pick(64))); break;
          default: m[at] = static_cast<char>(pick(256)); break;
        }
      }
      ASSERT_TRUE(exercise(m)) << m;
      if (m != msg) ++changed;
      Message parsed;
      ParseStatus status = parse_datagram(m, Limits{}, parsed).status;
      ++outcomes[status == ParseStatus::kOk ? 0 : status == ParseStatus::kReject ? 1 : 2];
    }
  }
  // The mutations reached every outcome of the parser (not only its first check), and almost
  // all of them changed the message.
  EXPECT_GT(outcomes[0], 1000u);
  EXPECT_GT(outcomes[1], 1000u);
  EXPECT_GT(outcomes[2], 100u);
  EXPECT_GT(changed, messages.size() * 290);
}

TEST(RobustnessTest, Garbage) {
  std::mt19937 rng(1);
  size_t rejected_or_dropped = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string g(std::uniform_int_distribution<size_t>(0, 600)(rng), '\0');
    for (char& c : g) c = static_cast<char>(rng());
    Message m;
    ParseResult r = parse_datagram(g, Limits{}, m);
    if (r.status != ParseStatus::kOk) ++rejected_or_dropped;
    ASSERT_TRUE(exercise(g));
  }
  // Random bytes essentially never form a SIP message.
  EXPECT_GT(rejected_or_dropped, 1990u);
}

TEST(RobustnessTest, HugeHeaderCountsStayBounded) {
  std::string msg = "OPTIONS sip:a@example.com SIP/2.0\r\n";
  while (msg.size() < 60000) msg += "X: y\r\n";
  msg += "\r\n";
  Message m;
  ParseResult r = parse_datagram(msg, Limits{}, m);
  EXPECT_EQ(r.status, ParseStatus::kReject);
  EXPECT_EQ(r.code, 400);
  EXPECT_LE(m.headers().size(), Limits{}.max_headers);
  std::string vias = "OPTIONS sip:a@example.com SIP/2.0\r\nVia: ";
  for (int i = 0; i < 1000; ++i) vias += "SIP/2.0/UDP h;branch=z9hG4bK" + std::to_string(i) + ",";
  vias += "SIP/2.0/UDP h\r\n\r\n";
  Limits wide;
  wide.max_header_bytes = 100000;
  r = parse_datagram(vias, wide, m);
  EXPECT_EQ(r.status, ParseStatus::kReject);
  EXPECT_EQ(r.code, 400);
}

}  // namespace
}  // namespace imsguard::sip
