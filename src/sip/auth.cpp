#include "sip/auth.h"

#include "sip/lex.h"

namespace imsguard::sip {
namespace {

constexpr size_t kMaxParams = 64;

bool fail(std::string* error, std::string text) {
  if (error) *error = std::move(text);
  return false;
}

// After the opening quote at s[i - 1]: the index just past the closing quote, or npos with
// the reason. A quoted-pair may not escape CR, LF or a non-ASCII octet; a bare control
// character (other than HTAB) is refused, so a value can never carry a line break.
size_t scan_quoted(std::string_view s, size_t i, std::string* error) {
  while (i < s.size()) {
    char c = s[i++];
    if (c == '"') return i;
    if (c == '\\') {
      if (i >= s.size()) break;
      char q = s[i++];
      if (q == '\r' || q == '\n' || static_cast<unsigned char>(q) > 0x7f) {
        fail(error, "invalid quoted-pair");
        return std::string_view::npos;
      }
      continue;
    }
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) {
      fail(error, "control character in quoted string");
      return std::string_view::npos;
    }
  }
  fail(error, "unterminated quoted string");
  return std::string_view::npos;
}

bool lex_params(std::string_view s, std::vector<AuthParamView>& out, std::string* error) {
  size_t i = 0;
  auto skip_ws = [&] {
    while (i < s.size() && is_lws(s[i])) ++i;
  };
  auto token = [&] {
    size_t start = i;
    while (i < s.size() && is_token_char(s[i])) ++i;
    return s.substr(start, i - start);
  };
  skip_ws();
  if (i == s.size()) return true;
  while (true) {
    skip_ws();
    AuthParamView p;
    p.name = token();
    if (p.name.empty()) return fail(error, "expected a parameter name");
    skip_ws();
    if (i >= s.size() || s[i] != '=') return fail(error, "expected '=' after parameter '" + std::string(p.name) + "'");
    ++i;
    skip_ws();
    if (i < s.size() && s[i] == '"') {
      size_t start = i;
      size_t end = scan_quoted(s, i + 1, error);
      if (end == std::string_view::npos) {
        if (error) *error += " in parameter '" + std::string(p.name) + "'";
        return false;
      }
      p.raw = s.substr(start, end - start);
      p.quoted = true;
      i = end;
    } else {
      p.raw = token();
      if (p.raw.empty()) return fail(error, "empty or malformed value of parameter '" + std::string(p.name) + "'");
    }
    for (const auto& seen : out)
      if (iequals(seen.name, p.name)) return fail(error, "duplicate parameter '" + std::string(p.name) + "'");
    if (out.size() >= kMaxParams) return fail(error, "too many parameters");
    out.push_back(p);
    skip_ws();
    if (i == s.size()) return true;
    if (s[i] != ',') return fail(error, "expected ',' between parameters");
    ++i;
  }
}

// Splits "Scheme params" (value already trimmed); false when the scheme is not a token.
bool split_scheme(std::string_view value, std::string_view& scheme, std::string_view& params, std::string* error) {
  size_t i = 0;
  while (i < value.size() && is_token_char(value[i])) ++i;
  if (i == 0) return fail(error, "missing authentication scheme");
  if (i < value.size() && !is_lws(value[i])) return fail(error, "malformed authentication scheme");
  scheme = value.substr(0, i);
  params = trim_lws(value.substr(i));
  return true;
}

}  // namespace

std::string AuthParamView::text() const { return quoted ? unquote(raw) : std::string(raw); }

std::optional<std::string_view> AuthValue::param(std::string_view name) const {
  for (const auto& p : list)
    if (iequals(p.name, name)) return p.raw;
  return std::nullopt;
}

std::optional<std::string> AuthValue::param_text(std::string_view name) const {
  for (const auto& p : list)
    if (iequals(p.name, name)) return p.text();
  return std::nullopt;
}

std::optional<AuthValue> parse_auth_value(std::string_view value, bool has_scheme, std::string* error) {
  AuthValue a;
  value = trim_lws(value);
  a.raw = value;
  if (has_scheme) {
    if (!split_scheme(value, a.scheme, a.params, error)) return std::nullopt;
  } else {
    a.params = value;
  }
  a.list.reserve(12);  // a Digest answer has about ten: one allocation
  if (!lex_params(a.params, a.list, error)) return std::nullopt;
  return a;
}

}  // namespace imsguard::sip
