#pragma once
// Lexical helpers shared by every SIP header parser (RFC 3261 section 25.1): character
// classes, LWS trimming (a folded line is just LWS, so values keep their CRLFs and the
// parsers treat them as blanks), comma splitting that respects quoted strings and <>, and
// ";name=value" parameter lists. They work on string_views into the message buffer and
// never allocate, which is what keeps the common parse path allocation-free.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace imsguard::sip {

inline bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
inline bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
inline bool is_wsp(char c) { return c == ' ' || c == '\t'; }
// LWS inside a header value: blanks plus the CRLF of a folded line.
inline bool is_lws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
namespace detail {
// token characters: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"
struct TokenTable {
  bool t[256] = {};
  constexpr TokenTable() {
    for (int c = '0'; c <= '9'; ++c) t[c] = true;
    for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
    for (char c : {'-', '.', '!', '%', '*', '_', '+', '`', '\'', '~'}) {
      t[static_cast<unsigned char>(c)] = true;
    }
  }
};
inline constexpr TokenTable kTokenTable{};
}  // namespace detail

inline bool is_token_char(char c) { return detail::kTokenTable.t[static_cast<unsigned char>(c)]; }
bool is_token(std::string_view s);
inline char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (to_lower(a[i]) != to_lower(b[i])) return false;
  }
  return true;
}

std::string_view trim_lws(std::string_view s);
std::string_view trim_left_lws(std::string_view s);
// Appends text with folding (CRLF and the blanks after it) and stray CR/LF turned into a
// single space: how a header value read from a message is written into a generated line.
void append_unfolded(std::string& out, std::string_view text);

// Parses a decimal number made only of digits (leading zeros allowed) that is <= max.
std::optional<uint64_t> parse_decimal(std::string_view s, uint64_t max);

// Position of the closing '"' for a quoted string that starts at s[open] == '"', honouring
// quoted-pairs; npos when unterminated.
size_t find_closing_quote(std::string_view s, size_t open);
// The content of a quoted string (without the quotes) with quoted-pairs resolved.
std::string unquote(std::string_view quoted);

// Splits a header value at commas that are outside quoted strings and <...>. Calls
// fn(element) for every element, trimmed of LWS; empty elements are passed too so the
// caller can refuse them. Returns false (after calling fn for what was seen) when a quote
// or '<' is left open.
namespace detail {
// The octets split_list must look at; everything else is skipped in a tight loop.
struct ListTable {
  bool special[256] = {};
  constexpr ListTable() {
    for (char c : {'"', '<', '>', ','}) special[static_cast<unsigned char>(c)] = true;
  }
};
inline constexpr ListTable kListTable{};
}  // namespace detail

template <class Fn>
bool split_list(std::string_view value, Fn&& fn) {
  size_t start = 0;
  bool in_angle = false;
  const size_t n = value.size();
  const char* p = value.data();
  for (size_t i = 0; i < n; ++i) {
    while (i < n && !detail::kListTable.special[static_cast<unsigned char>(p[i])]) ++i;
    if (i == n) break;
    char c = p[i];
    if (c == '"') {
      size_t close = find_closing_quote(value, i);
      if (close == std::string_view::npos) {
        fn(trim_lws(value.substr(start)));
        return false;
      }
      i = close;
    } else if (c == '<') {
      in_angle = true;
    } else if (c == '>') {
      in_angle = false;
    } else if (!in_angle) {  // ','
      fn(trim_lws(value.substr(start, i - start)));
      start = i + 1;
    }
  }
  fn(trim_lws(value.substr(start)));
  return !in_angle;
}

// One parameter of a ";name[=value]" list. value is empty for a flag parameter; a quoted
// value keeps its quotes (use unquote()).
struct Param {
  std::string_view name;
  std::string_view value;
  bool has_value = false;
};

// Walks a generic-param list (LWS allowed around ';' and '='), e.g. the text after a Via
// sent-by or after a name-addr. The list starts with ';' or is empty.
// fn(const Param&) is called per parameter. Returns false on a syntax error: an empty
// name, a name or value with characters outside token / host / quoted-string.
template <class Fn>
bool for_each_param(std::string_view params, Fn&& fn);

// The value of the first parameter called name (case-insensitive); nullopt when absent.
// A flag parameter yields an empty view.
std::optional<std::string_view> find_param(std::string_view params, std::string_view name);

namespace detail {
// Parses one ";name[=value]" starting at params[pos] == ';'; returns the position after
// it or npos on error.
size_t next_param(std::string_view params, size_t pos, Param& out);
}  // namespace detail

template <class Fn>
bool for_each_param(std::string_view params, Fn&& fn) {
  params = trim_lws(params);
  size_t pos = 0;
  while (pos < params.size()) {
    Param p;
    pos = detail::next_param(params, pos, p);
    if (pos == std::string_view::npos) return false;
    fn(p);
  }
  return true;
}

}  // namespace imsguard::sip
