#include "crypto/digest_header.h"

#include "sip/auth.h"
#include "sip/lex.h"

#include <cctype>
#include <utility>

namespace imsguard::crypto {

namespace {

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) { return a.size() == b.size() && lower(a) == lower(b); }

bool is_hex8(std::string_view s) {
  if (s.size() != 8) return false;
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

void append_quoted(std::string& out, std::string_view v) {
  out.push_back('"');
  for (char c : v) {
    if ((static_cast<unsigned char>(c) < 0x20) || c == 0x7f) continue;
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

// The scheme is checked before the params so another scheme (e.g. Basic with a token68) gets
// a "not Digest" answer rather than a syntax error.
bool has_digest_scheme(std::string_view value, std::string& scheme) {
  size_t i = 0;
  while (i < value.size() && is_ws(value[i])) ++i;
  size_t start = i;
  while (i < value.size() && sip::is_token_char(value[i])) ++i;
  scheme = std::string(value.substr(start, i - start));
  return iequals(scheme, "Digest");
}

}  // namespace

const AuthParam* AuthHeader::find(std::string_view lowercase_name) const {
  for (const auto& p : params)
    if (p.name == lowercase_name) return &p;
  return nullptr;
}

AuthParam* AuthHeader::find(std::string_view lowercase_name) {
  return const_cast<AuthParam*>(std::as_const(*this).find(lowercase_name));
}

Result<AuthHeader> parse_auth_header(std::string_view value) {
  using R = Result<AuthHeader>;
  std::string error;
  auto lexed = sip::parse_auth_value(value, true, &error);
  if (!lexed) return imsguard::invalid_argument(error);
  AuthHeader h;
  h.scheme = std::string(lexed->scheme);
  h.params.reserve(lexed->list.size());
  for (const auto& p : lexed->list) h.params.push_back({lower(p.name), p.text(), p.quoted});
  return R(std::move(h));
}

Result<DigestCredentials> parse_digest_credentials(std::string_view value) {
  using R = Result<DigestCredentials>;
  std::string scheme;
  if (!has_digest_scheme(value, scheme)) return imsguard::invalid_argument("scheme is '" + scheme + "', not Digest");
  auto parsed = parse_auth_header(value);
  if (!parsed.ok()) return imsguard::invalid_argument(parsed.message());
  AuthHeader& h = *parsed;  // its values are moved into the credentials
  if (!iequals(h.scheme, "Digest")) return imsguard::invalid_argument("scheme is '" + h.scheme + "', not Digest");
  DigestCredentials c;
  struct Required {
    const char* name;
    std::string* field;
  } required[] = {{"username", &c.username}, {"realm", &c.realm}, {"nonce", &c.nonce},
                  {"uri", &c.uri},           {"response", &c.response}};
  for (auto& r : required) {
    AuthParam* p = h.find(r.name);
    if (p == nullptr) return imsguard::invalid_argument(std::string("missing parameter '") + r.name + "'");
    *r.field = std::move(p->value);
  }
  if (const AuthParam* p = h.find("algorithm")) {
    auto alg = parse_digest_algorithm(p->value);
    if (!alg) return imsguard::invalid_argument("unsupported algorithm '" + p->value + "'");
    c.algorithm = *alg;
  }
  if (AuthParam* p = h.find("cnonce")) c.cnonce = std::move(p->value);
  if (AuthParam* p = h.find("opaque")) c.opaque = std::move(p->value);
  if (AuthParam* p = h.find("nc")) c.nc = std::move(p->value);
  if (AuthParam* p = h.find("auts")) {
    c.auts = std::move(p->value);
    c.has_auts = true;
  }
  if (const AuthParam* p = h.find("userhash")) c.userhash = iequals(p->value, "true");
  if (const AuthParam* p = h.find("qop")) {
    c.qop = lower(p->value);
    if (c.qop != "auth" && c.qop != "auth-int") return imsguard::invalid_argument("unsupported qop '" + p->value + "'");
    if (c.cnonce.empty()) return imsguard::invalid_argument("qop without cnonce");
    if (!is_hex8(c.nc)) return imsguard::invalid_argument("qop requires nc of 8 hex digits");
  } else if (!c.nc.empty() || !c.cnonce.empty()) {
    // RFC 7616 3.4: nc and cnonce go with qop; without it they are a confused client. Only
    // cnonce is meaningful then (for -sess).
    if (!c.nc.empty()) return imsguard::invalid_argument("nc without qop");
  }
  return R(std::move(c));
}

Result<DigestChallenge> parse_digest_challenge(std::string_view value) {
  using R = Result<DigestChallenge>;
  std::string scheme;
  if (!has_digest_scheme(value, scheme)) return imsguard::invalid_argument("scheme is '" + scheme + "', not Digest");
  auto parsed = parse_auth_header(value);
  if (!parsed.ok()) return imsguard::invalid_argument(parsed.message());
  const AuthHeader& h = *parsed;
  if (!iequals(h.scheme, "Digest")) return imsguard::invalid_argument("scheme is '" + h.scheme + "', not Digest");
  DigestChallenge ch;
  const AuthParam* realm = h.find("realm");
  const AuthParam* nonce = h.find("nonce");
  if (realm == nullptr || nonce == nullptr) return imsguard::invalid_argument("challenge without realm or nonce");
  ch.realm = realm->value;
  ch.nonce = nonce->value;
  if (const AuthParam* p = h.find("opaque")) ch.opaque = p->value;
  if (const AuthParam* p = h.find("stale")) ch.stale = iequals(p->value, "true");
  if (const AuthParam* p = h.find("algorithm")) {
    auto alg = parse_digest_algorithm(p->value);
    if (!alg) return imsguard::invalid_argument("unsupported algorithm '" + p->value + "'");
    ch.algorithm = *alg;
  }
  if (const AuthParam* p = h.find("qop")) {
    std::string_view rest = p->value;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      while (!item.empty() && is_ws(item.front())) item.remove_prefix(1);
      while (!item.empty() && is_ws(item.back())) item.remove_suffix(1);
      if (!item.empty()) ch.qop_options.push_back(lower(item));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return R(std::move(ch));
}

std::string build_challenge(const DigestAlgorithm& alg, const ChallengeParams& p) {
  std::string out;
  out.reserve(96 + p.realm.size() + p.nonce.size() + p.opaque.size());
  out.append("Digest realm=");
  append_quoted(out, p.realm);
  out.append(", nonce=");
  append_quoted(out, p.nonce);
  out.append(", algorithm=").append(digest_algorithm_name(alg));
  if (!p.qop.empty()) {
    out.append(", qop=");
    append_quoted(out, p.qop);
  }
  if (!p.opaque.empty()) {
    out.append(", opaque=");
    append_quoted(out, p.opaque);
  }
  if (p.stale) out.append(", stale=true");
  return out;
}

std::vector<std::string> build_challenges(const std::vector<DigestAlgorithm>& order, const ChallengeParams& p) {
  std::vector<std::string> out;
  out.reserve(order.size());
  for (const auto& alg : order) out.push_back(build_challenge(alg, p));
  return out;
}

std::vector<DigestAlgorithm> default_algorithm_order(bool md5_first) {
  if (md5_first) return {kDigestMd5, kDigestSha256};
  return {kDigestSha256, kDigestMd5};
}

Result<std::vector<DigestAlgorithm>> parse_algorithm_order(const std::vector<std::string>& names) {
  using R = Result<std::vector<DigestAlgorithm>>;
  if (names.empty()) return imsguard::invalid_argument("no digest algorithm configured");
  std::vector<DigestAlgorithm> out;
  for (const auto& n : names) {
    if (n.empty()) return imsguard::invalid_argument("empty digest algorithm name");
    auto alg = parse_digest_algorithm(n);
    if (!alg) return imsguard::invalid_argument("unknown digest algorithm '" + n + "'");
    for (const auto& seen : out)
      if (seen == *alg) return imsguard::invalid_argument("digest algorithm '" + n + "' listed twice");
    out.push_back(*alg);
  }
  return R(std::move(out));
}

}  // namespace imsguard::crypto
