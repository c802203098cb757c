#include "crypto/digest_header.h"

#include <cctype>
#include <utility>

namespace imsguard::crypto {

namespace {

constexpr size_t kMaxParams = 64;

bool is_token_char(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  switch (c) {
    case '-': case '.': case '!': case '%': case '*': case '_': case '+': case '`': case '\'': case '~':
      return true;
    default:
      return false;
  }
}

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) { return a.size() == b.size() && lower(a) == lower(b); }

// A cursor over the header value; each method consumes what it recognises.
class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}
  void skip_ws() {
    while (pos_ < s_.size() && is_ws(s_[pos_])) ++pos_;
  }
  bool done() const { return pos_ >= s_.size(); }
  char peek() const { return s_[pos_]; }
  bool consume(char c) {
    if (!done() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  std::string_view token() {
    size_t start = pos_;
    while (pos_ < s_.size() && is_token_char(s_[pos_])) ++pos_;
    return s_.substr(start, pos_ - start);
  }
  // After the opening quote. Empty optional-like: returns false with an error.
  bool quoted(std::string& out, std::string& error) {
    while (pos_ < s_.size()) {
      char c = s_[pos_++];
      if (c == '"') return true;
      if (c == '\\') {
        if (pos_ >= s_.size()) break;
        char q = s_[pos_++];
        if (q == '\r' || q == '\n' || static_cast<unsigned char>(q) > 0x7f) {
          error = "invalid quoted-pair";
          return false;
        }
        out.push_back(q);
        continue;
      }
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) {
        error = "control character in quoted string";
        return false;
      }
      out.push_back(c);
    }
    error = "unterminated quoted string";
    return false;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

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
  Scanner sc(value);
  sc.skip_ws();
  scheme = std::string(sc.token());
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
  Scanner sc(value);
  AuthHeader h;
  sc.skip_ws();
  h.scheme = std::string(sc.token());
  if (h.scheme.empty()) return R::failure("missing authentication scheme");
  if (!sc.done() && !is_ws(sc.peek())) return R::failure("malformed authentication scheme");
  sc.skip_ws();
  if (sc.done()) return R::success(std::move(h));
  h.params.reserve(12);  // a Digest answer has about ten: one allocation, not five
  while (true) {
    sc.skip_ws();
    std::string_view name = sc.token();
    if (name.empty()) return R::failure("expected a parameter name");
    sc.skip_ws();
    if (!sc.consume('=')) return R::failure("expected '=' after parameter '" + std::string(name) + "'");
    sc.skip_ws();
    AuthParam p;
    p.name = lower(name);
    if (sc.consume('"')) {
      std::string error;
      if (!sc.quoted(p.value, error)) return R::failure(error + " in parameter '" + p.name + "'");
      p.quoted = true;
    } else {
      p.value = std::string(sc.token());
      if (p.value.empty()) return R::failure("empty or malformed value of parameter '" + p.name + "'");
    }
    if (h.find(p.name) != nullptr) return R::failure("duplicate parameter '" + p.name + "'");
    if (h.params.size() >= kMaxParams) return R::failure("too many parameters");
    h.params.push_back(std::move(p));
    sc.skip_ws();
    if (sc.done()) break;
    if (!sc.consume(',')) return R::failure("expected ',' between parameters");
  }
  return R::success(std::move(h));
}

Result<DigestCredentials> parse_digest_credentials(std::string_view value) {
  using R = Result<DigestCredentials>;
  std::string scheme;
  if (!has_digest_scheme(value, scheme)) return R::failure("scheme is '" + scheme + "', not Digest");
  auto parsed = parse_auth_header(value);
  if (!parsed.ok()) return R::failure(parsed.error);
  AuthHeader& h = *parsed.value;  // its values are moved into the credentials
  if (!iequals(h.scheme, "Digest")) return R::failure("scheme is '" + h.scheme + "', not Digest");
  DigestCredentials c;
  struct Required {
    const char* name;
    std::string* field;
  } required[] = {{"username", &c.username}, {"realm", &c.realm}, {"nonce", &c.nonce},
                  {"uri", &c.uri},           {"response", &c.response}};
  for (auto& r : required) {
    AuthParam* p = h.find(r.name);
    if (p == nullptr) return R::failure(std::string("missing parameter '") + r.name + "'");
    *r.field = std::move(p->value);
  }
  if (const AuthParam* p = h.find("algorithm")) {
    auto alg = parse_digest_algorithm(p->value);
    if (!alg) return R::failure("unsupported algorithm '" + p->value + "'");
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
    if (c.qop != "auth" && c.qop != "auth-int") return R::failure("unsupported qop '" + p->value + "'");
    if (c.cnonce.empty()) return R::failure("qop without cnonce");
    if (!is_hex8(c.nc)) return R::failure("qop requires nc of 8 hex digits");
  } else if (!c.nc.empty() || !c.cnonce.empty()) {
    // RFC 7616 3.4: nc and cnonce go with qop; without it they are a confused client. Only
    // cnonce is meaningful then (for -sess).
    if (!c.nc.empty()) return R::failure("nc without qop");
  }
  return R::success(std::move(c));
}

Result<DigestChallenge> parse_digest_challenge(std::string_view value) {
  using R = Result<DigestChallenge>;
  std::string scheme;
  if (!has_digest_scheme(value, scheme)) return R::failure("scheme is '" + scheme + "', not Digest");
  auto parsed = parse_auth_header(value);
  if (!parsed.ok()) return R::failure(parsed.error);
  const AuthHeader& h = *parsed.value;
  if (!iequals(h.scheme, "Digest")) return R::failure("scheme is '" + h.scheme + "', not Digest");
  DigestChallenge ch;
  const AuthParam* realm = h.find("realm");
  const AuthParam* nonce = h.find("nonce");
  if (realm == nullptr || nonce == nullptr) return R::failure("challenge without realm or nonce");
  ch.realm = realm->value;
  ch.nonce = nonce->value;
  if (const AuthParam* p = h.find("opaque")) ch.opaque = p->value;
  if (const AuthParam* p = h.find("stale")) ch.stale = iequals(p->value, "true");
  if (const AuthParam* p = h.find("algorithm")) {
    auto alg = parse_digest_algorithm(p->value);
    if (!alg) return R::failure("unsupported algorithm '" + p->value + "'");
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
  return R::success(std::move(ch));
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
  if (names.empty()) return R::failure("no digest algorithm configured");
  std::vector<DigestAlgorithm> out;
  for (const auto& n : names) {
    if (n.empty()) return R::failure("empty digest algorithm name");
    auto alg = parse_digest_algorithm(n);
    if (!alg) return R::failure("unknown digest algorithm '" + n + "'");
    for (const auto& seen : out)
      if (seen == *alg) return R::failure("digest algorithm '" + n + "' listed twice");
    out.push_back(*alg);
  }
  return R::success(std::move(out));
}

}  // namespace imsguard::crypto
