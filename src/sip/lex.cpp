#include "sip/lex.h"

#include <cstring>

namespace imsguard::sip {

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_token_char(c)) return false;
  }
  return true;
}

std::string_view trim_left_lws(std::string_view s) {
  size_t b = 0;
  while (b < s.size() && is_lws(s[b])) ++b;
  return s.substr(b);
}

std::string_view trim_lws(std::string_view s) {
  s = trim_left_lws(s);
  size_t e = s.size();
  while (e > 0 && is_lws(s[e - 1])) --e;
  return s.substr(0, e);
}

void append_unfolded(std::string& out, std::string_view text) {
  if (text.empty()) return;  // and memchr never sees a null pointer
  // Almost every value is one line: copy it whole. Two memchr scans, not find_first_of,
  // which calls memchr once per byte of text in libstdc++.
  if (std::memchr(text.data(), '\r', text.size()) == nullptr &&
      std::memchr(text.data(), '\n', text.size()) == nullptr) {
    out += text;
    return;
  }
  bool folded = false;
  for (char c : text) {
    if (c == '\r' || c == '\n') {
      folded = true;
    } else if (folded && (c == ' ' || c == '\t')) {
      // the blanks that start a continuation line
    } else {
      if (folded && !out.empty() && out.back() != ' ') out.push_back(' ');
      folded = false;
      out.push_back(c);
    }
  }
}

std::optional<uint64_t> parse_decimal(std::string_view s, uint64_t max) {
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return std::nullopt;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (max - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

size_t find_closing_quote(std::string_view s, size_t open) {
  for (size_t i = open + 1; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;  // quoted-pair: the next octet is literal, whatever it is
    } else if (s[i] == '"') {
      return i;
    }
  }
  return std::string_view::npos;
}

std::string unquote(std::string_view quoted) {
  if (quoted.size() >= 2 && quoted.front() == '"' && quoted.back() == '"') {
    quoted = quoted.substr(1, quoted.size() - 2);
  }
  std::string out;
  out.reserve(quoted.size());
  for (size_t i = 0; i < quoted.size(); ++i) {
    if (quoted[i] == '\\' && i + 1 < quoted.size()) ++i;
    out.push_back(quoted[i]);
  }
  return out;
}

namespace detail {

namespace {
bool is_value_char(char c) { return is_token_char(c) || c == '[' || c == ']' || c == ':'; }
}  // namespace

size_t next_param(std::string_view s, size_t pos, Param& out) {
  constexpr size_t npos = std::string_view::npos;
  if (pos >= s.size() || s[pos] != ';') return npos;
  ++pos;
  while (pos < s.size() && is_lws(s[pos])) ++pos;
  size_t name_start = pos;
  while (pos < s.size() && is_token_char(s[pos])) ++pos;
  if (pos == name_start) return npos;
  out.name = s.substr(name_start, pos - name_start);
  out.value = {};
  out.has_value = false;
  while (pos < s.size() && is_lws(s[pos])) ++pos;
  if (pos < s.size() && s[pos] == '=') {
    ++pos;
    while (pos < s.size() && is_lws(s[pos])) ++pos;
    size_t value_start = pos;
    if (pos < s.size() && s[pos] == '"') {
      size_t close = find_closing_quote(s, pos);
      if (close == npos) return npos;
      pos = close + 1;
    } else {
      while (pos < s.size() && is_value_char(s[pos])) ++pos;
      if (pos == value_start) return npos;
    }
    out.value = s.substr(value_start, pos - value_start);
    out.has_value = true;
    while (pos < s.size() && is_lws(s[pos])) ++pos;
  }
  if (pos < s.size() && s[pos] != ';') return npos;
  return pos;
}

}  // namespace detail

std::optional<std::string_view> find_param(std::string_view params, std::string_view name) {
  std::optional<std::string_view> found;
  for_each_param(params, [&](const Param& p) {
    if (!found && iequals(p.name, name)) found = p.value;
  });
  return found;
}

}  // namespace imsguard::sip
