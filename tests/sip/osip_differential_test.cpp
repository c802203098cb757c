// Differential test of the SIP parser against libosip2 (Debian's libosip2-dev, an independent
// RFC 3261 parser) on the fuzz seeds of fuzz_sip_message and fuzz_sip_uri: the RFC 4475
// torture messages, and the Request-URIs and name-addr URIs in them. Either both parsers
// accept or both refuse, or the difference is listed below with RFC 4475's verdict, so a
// change of behaviour on either side shows up here. A listed difference that no longer
// occurs fails too (the list stays true).
#include <gtest/gtest.h>

#include <osipparser2/osip_message.h>
#include <osipparser2/osip_parser.h>

#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "read_file.h"
#include "sip/parser.h"
#include "sip/uri.h"
#include "sip/validation.h"

namespace imsguard::sip {
namespace {

// One torture message on which the parsers disagree: what each does, and what the RFC says.
struct Difference {
  bool imsguard_accepts;
  const char* rfc4475;  // section and verdict (tests/data/rfc4475/INDEX.md)
};

const std::map<std::string, Difference>& message_differences() {
  static const std::map<std::string, Difference> d = {
      // RFC 4475 agrees with imsguard here:
      {"badvers.dat", {false, "3.1.2.16 invalid: SIP/7.0, respond 505 (libosip2 takes any version)"}},
      {"bigcode.dat", {false, "3.1.2.19 invalid: response code 4294967301 > 699, drop it"}},
      {"insuf.dat", {false, "3.3.1: no Call-ID, From or To, ideally respond 400"}},
      {"intmeth.dat", {true, "3.1.1.2 valid: must parse (quoted-pair escaped NUL/BEL/DEL in To, unknown method)"}},
      {"mismatch01.dat", {false, "3.1.2.17 invalid: CSeq method INVITE on OPTIONS, respond 400"}},
      {"ncl.dat", {false, "3.1.2.3 invalid: Content-Length -999, respond with an error (400)"}},
      {"novelsc.dat", {true, "3.3.3: Request-URI soap.beep: is well formed, the parser must accept (then 416/404)"}},
      {"scalar02.dat", {false, "3.1.2.4 invalid: CSeq > 2^32-1, respond 400"}},
      {"scalarlg.dat", {false, "3.1.2.5 invalid: response with overlarge scalars, discard it"}},
      // RFC 4475 allows either (imsguard takes the strict side):
      {"baddate.dat", {false, "3.1.2.12 invalid: Date in EST, may be rejected with 400 or ignored"}},
      {"escruri.dat", {false, "3.1.2.11 invalid: escaped headers in the Request-URI, may be rejected with 400"}},
      {"regbadct.dat", {false, "3.1.2.13 invalid: Contact with ? outside <>, reasonable to respond 400"}},
  };
  return d;
}

const std::map<std::string, Difference>& uri_differences() {
  static const std::map<std::string, Difference> d = {
      // From lwsruri.dat's Request-URI cut at its SP: RFC 3261 25.1 uri-parameter needs a
      // pname (1*paramchar) after ';', so an empty parameter is not a SIP-URI.
      {"sip:user@example.com;", {false, "3.1.2.8 (lwsruri): reject; RFC 3261 25.1 has no empty uri-parameter"}},
      // novelsc.dat's Request-URI: an absoluteURI of a known but atypical scheme.
      {"soap.beep://192.0.2.103:3002", {true, "3.3.3: the parser must accept it"}},
  };
  return d;
}

// The edge's verdict on the syntax: the parser's, and the syntax checks of validation (a
// 400/505/513 refusal; 416, 420, 483, 501 and the like are decisions on a well-formed
// message, which libosip2 leaves to its caller too).
bool imsguard_accepts_message(const std::string& bytes) {
  Limits limits;
  limits.max_via = 64;  // as the edge runs by default (sip.limits.max_via): longreq has 34
  Message m;
  if (parse_datagram(bytes, limits, m).status != ParseStatus::kOk) return false;
  if (!m.is_request()) return !check_response(m).has_value();
  auto verdict = check_request(m, ValidationPolicy{});
  return !verdict || (verdict->code != 400 && verdict->code != 505 && verdict->code != 513);
}

bool osip_accepts_message(const std::string& bytes) {
  osip_message_t* m = nullptr;
  if (osip_message_init(&m) != 0) return false;
  bool ok = osip_message_parse(m, bytes.data(), bytes.size()) == 0;
  osip_message_free(m);
  return ok;
}

bool osip_accepts_uri(const std::string& text) {
  osip_uri_t* u = nullptr;
  if (osip_uri_init(&u) != 0) return false;
  bool ok = osip_uri_parse(u, text.c_str()) == 0;
  osip_uri_free(u);
  return ok;
}

struct Sample {
  std::string name;
  std::string bytes;
};

std::vector<Sample> messages() {
  std::vector<Sample> out;
  for (const char* sub : {"", "/variants"}) {
    std::string dir = testing::rfc4475_dir() + sub;
    std::set<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir))
      if (e.path().extension() == ".dat") names.insert(e.path().filename().string());
    for (const auto& n : names) out.push_back({std::string(sub).empty() ? n : "variants/" + n, testing::read_file(dir + "/" + n)});
  }
  return out;
}

// As fuzz.sh makes the fuzz_sip_uri seeds: the Request-URI and every <...> in the headers.
std::vector<Sample> uris() {
  std::vector<Sample> out;
  std::set<std::string> seen;
  for (const Sample& m : messages()) {
    std::string head = m.bytes.substr(0, m.bytes.find("\r\n\r\n"));
    std::string first = head.substr(0, head.find("\r\n"));
    std::vector<std::string> found;
    if (first.rfind("SIP/", 0) != 0) {
      size_t a = first.find(' ');
      size_t b = a == std::string::npos ? a : first.find(' ', a + 1);
      if (a != std::string::npos) found.push_back(first.substr(a + 1, b == std::string::npos ? b : b - a - 1));
    }
    static const std::regex angle("<([^<>\r\n]*)>");
    for (std::sregex_iterator it(head.begin(), head.end(), angle), end; it != end; ++it) found.push_back((*it)[1]);
    for (const auto& u : found)
      if (seen.insert(u).second) out.push_back({u, u});
  }
  return out;
}

class Libosip2 : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { parser_init(); }
};

TEST_F(Libosip2, TortureMessagesAreJudgedAlikeOrTheDifferenceIsListed) {
  auto all = messages();
  ASSERT_GE(all.size(), 50u) << testing::rfc4475_dir();
  std::set<std::string> differing;
  for (const Sample& s : all) {
    bool ours = imsguard_accepts_message(s.bytes);
    bool theirs = osip_accepts_message(s.bytes);
    if (ours == theirs) continue;
    differing.insert(s.name);
    auto it = message_differences().find(s.name);
    if (it == message_differences().end()) {
      ADD_FAILURE() << s.name << ": imsguard " << (ours ? "accepts" : "refuses") << ", libosip2 "
                    << (theirs ? "accepts" : "refuses") << " (not listed)";
      continue;
    }
    EXPECT_EQ(it->second.imsguard_accepts, ours) << s.name;
  }
  for (const auto& [name, d] : message_differences())
    EXPECT_TRUE(differing.count(name)) << name << " is listed as a difference but both parsers now agree";
}

TEST_F(Libosip2, TortureUrisAreJudgedAlikeOrTheDifferenceIsListed) {
  auto all = uris();
  ASSERT_GE(all.size(), 40u);
  std::set<std::string> differing;
  for (const Sample& s : all) {
    bool ours = parse_uri(s.bytes).has_value();
    bool theirs = osip_accepts_uri(s.bytes);
    if (ours == theirs) continue;
    differing.insert(s.name);
    auto it = uri_differences().find(s.name);
    if (it == uri_differences().end()) {
      ADD_FAILURE() << "<" << s.name << ">: imsguard " << (ours ? "accepts" : "refuses") << ", libosip2 "
                    << (theirs ? "accepts" : "refuses") << " (not listed)";
      continue;
    }
    EXPECT_EQ(it->second.imsguard_accepts, ours) << s.name;
  }
  for (const auto& [name, d] : uri_differences())
    EXPECT_TRUE(differing.count(name)) << "<" << name << "> is listed as a difference but both parsers now agree";
}

}  // namespace
}  // namespace imsguard::sip
