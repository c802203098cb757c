#include "sip/uri.h"

#include <arpa/inet.h>

#include "sip/lex.h"

namespace imsguard::sip {
namespace {

bool is_mark(char c) {
  switch (c) {
    case '-': case '_': case '.': case '!': case '~': case '*': case '\'': case '(': case ')':
      return true;
    default:
      return false;
  }
}
bool is_unreserved(char c) { return is_alnum(c) || is_mark(c); }
bool is_user_char(char c) {
  switch (c) {
    case '&': case '=': case '+': case '$': case ',': case ';': case '?': case '/':
      return true;
    default:
      return is_unreserved(c);
  }
}
bool is_password_char(char c) {
  switch (c) {
    case '&': case '=': case '+': case '$': case ',':
      return true;
    default:
      return is_unreserved(c);
  }
}
bool is_param_char(char c) {
  switch (c) {
    case '[': case ']': case '/': case ':': case '&': case '+': case '$':
      return true;
    default:
      return is_unreserved(c);
  }
}
bool is_header_char(char c) {
  switch (c) {
    case '[': case ']': case '/': case '?': case ':': case '+': case '$':
      return true;
    default:
      return is_unreserved(c);
  }
}

// Every octet is allowed by pred or is a %HH escape.
template <class Pred>
bool all_escaped(std::string_view s, Pred pred) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) return false;
      i += 2;
    } else if (!pred(s[i])) {
      return false;
    }
  }
  return true;
}

// Character classes for hostnames and URI text, as tables: these loops run on every
// URI of every name-addr the edge reads.
struct CharTables {
  bool host[256] = {};     // alphanum / "-"
  bool uri_bad[256] = {};  // octets no URI grammar admits unescaped
  constexpr CharTables() {
    for (int c = '0'; c <= '9'; ++c) host[c] = true;
    for (int c = 'a'; c <= 'z'; ++c) host[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c) host[c] = true;
    host[static_cast<unsigned char>('-')] = true;
    for (int c = 0; c <= 0x20; ++c) uri_bad[c] = true;
    for (int c = 0x7f; c < 256; ++c) uri_bad[c] = true;
    uri_bad[static_cast<unsigned char>('<')] = true;
    uri_bad[static_cast<unsigned char>('>')] = true;
    uri_bad[static_cast<unsigned char>('"')] = true;
  }
};
constexpr CharTables kTables{};

bool is_domain(std::string_view s) {
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  if (s.empty()) return false;
  // hostname = *( domainlabel "." ) toplabel; labels of alphanum and inner '-'; the top
  // label starts with a letter (an all-numeric name must be an IPv4 address).
  size_t n = s.size();
  size_t label_start = 0;
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '.') {
      if (i == label_start || s[i - 1] == '-') return false;
      label_start = i + 1;
    } else if (!kTables.host[c]) {
      return false;
    } else if (c == '-' && i == label_start) {
      return false;
    }
  }
  if (label_start == n || s[n - 1] == '-') return false;
  return is_alpha(s[label_start]);
}

// Parses "host[:port]"; text is the hostport part only.
std::string_view parse_hostport(std::string_view text, Uri& uri) {
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return "unterminated IPv6 reference";
    if (!is_ipv6(text.substr(1, close - 1))) return "bad IPv6 address";
    uri.host = text.substr(0, close + 1);
    uri.host_type = HostType::kIpv6;
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return "bad characters after IPv6 reference";
      port_text = rest.substr(1);
      if (port_text.empty()) return "empty port";
    }
  } else {
    size_t colon = text.find(':');
    uri.host = text.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = text.substr(colon + 1);
      if (port_text.empty()) return "empty port";
    }
    if (uri.host.empty()) return "empty host";
    if (is_ipv4(uri.host)) {
      uri.host_type = HostType::kIpv4;
    } else if (is_domain(uri.host)) {
      uri.host_type = HostType::kDomain;
    } else {
      return "bad host";
    }
  }
  if (!port_text.empty()) {
    if (port_text.size() > 5) return "bad port";
    auto port = parse_decimal(port_text, 65535);
    if (!port || *port == 0) return "bad port";
    uri.port = static_cast<uint16_t>(*port);
  }
  return {};
}

// Validates ";name[=value]" URI parameters (text without the leading ';').
bool valid_uri_params(std::string_view params) {
  size_t start = 0;
  while (start <= params.size()) {
    size_t end = params.find(';', start);
    if (end == std::string_view::npos) end = params.size();
    std::string_view p = params.substr(start, end - start);
    size_t eq = p.find('=');
    std::string_view name = p.substr(0, eq);
    if (name.empty() || !all_escaped(name, is_param_char)) return false;
    if (eq != std::string_view::npos) {
      std::string_view value = p.substr(eq + 1);
      if (value.empty() || !all_escaped(value, is_param_char)) return false;
    }
    start = end + 1;
  }
  return true;
}

bool valid_uri_headers(std::string_view headers) {
  size_t start = 0;
  while (start <= headers.size()) {
    size_t end = headers.find('&', start);
    if (end == std::string_view::npos) end = headers.size();
    std::string_view h = headers.substr(start, end - start);
    size_t eq = h.find('=');
    if (eq == 0 || eq == std::string_view::npos) return false;
    if (!all_escaped(h.substr(0, eq), is_header_char)) return false;
    if (!all_escaped(h.substr(eq + 1), is_header_char)) return false;
    start = end + 1;
  }
  return true;
}

UriResult fail(std::string_view why) { return UriResult{std::nullopt, why}; }

UriResult parse_sip(std::string_view rest, Uri& uri) {
  // userinfo ends at the first '@': '@' is legal neither in host, params nor headers,
  // while the user part may hold ';' and '?' (RFC 4475 intmeth, semiuri).
  size_t at = rest.find('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    size_t colon = userinfo.find(':');
    uri.user = userinfo.substr(0, colon);
    uri.has_user = true;
    if (uri.user.empty() || !all_escaped(uri.user, is_user_char)) return fail("bad user part");
    if (colon != std::string_view::npos) {
      uri.password = userinfo.substr(colon + 1);
      uri.has_password = true;
      if (!all_escaped(uri.password, is_password_char)) return fail("bad password");
    }
    rest = rest.substr(at + 1);
  }
  size_t qmark = rest.find('?');
  if (qmark != std::string_view::npos) {
    uri.headers = rest.substr(qmark + 1);
    rest = rest.substr(0, qmark);
    if (!valid_uri_headers(uri.headers)) return fail("bad URI headers");
  }
  size_t semi = rest.find(';');
  if (semi != std::string_view::npos) {
    uri.params = rest.substr(semi + 1);
    rest = rest.substr(0, semi);
    if (!valid_uri_params(uri.params)) return fail("bad URI parameter");
  }
  std::string_view err = parse_hostport(rest, uri);
  if (!err.empty()) return fail(err);
  return UriResult{uri, {}};
}

bool is_phone_char(char c) {
  return is_hex(c) || c == '*' || c == '#' || c == '-' || c == '.' || c == '(' || c == ')';
}

UriResult parse_tel(std::string_view rest, Uri& uri) {
  size_t semi = rest.find(';');
  uri.user = rest.substr(0, semi);
  uri.has_user = true;
  std::string_view digits = uri.user;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  if (digits.empty()) return fail("empty telephone number");
  for (char c : digits) {
    if (!is_phone_char(c)) return fail("bad telephone number");
  }
  if (semi != std::string_view::npos) {
    uri.params = rest.substr(semi + 1);
    if (!valid_uri_params(uri.params)) return fail("bad tel parameter");
  }
  return UriResult{uri, {}};
}

}  // namespace

bool is_ipv4(std::string_view text) {
  // Cheap rejection of hostnames: an IPv4 address starts and ends with a digit.
  if (text.empty() || !is_digit(text.front()) || !is_digit(text.back())) return false;
  int parts = 0;
  size_t start = 0;
  while (true) {
    size_t dot = text.find('.', start);
    std::string_view part = text.substr(start, dot == std::string_view::npos ? text.npos : dot - start);
    if (part.empty() || part.size() > 3 || !parse_decimal(part, 255)) return false;
    ++parts;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts == 4;
}

bool is_ipv6(std::string_view text) {
  if (text.empty() || text.size() >= 46) return false;
  char buf[46];
  text.copy(buf, text.size());
  buf[text.size()] = '\0';
  unsigned char addr[16];
  return inet_pton(AF_INET6, buf, addr) == 1;
}

HostType classify_host(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    return is_ipv6(host.substr(1, host.size() - 2)) ? HostType::kIpv6 : HostType::kNone;
  }
  if (is_ipv4(host)) return HostType::kIpv4;
  if (is_domain(host)) return HostType::kDomain;
  return HostType::kNone;
}

std::string unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hexval = [](char c) {
    return is_digit(c) ? c - '0' : (to_lower(c) - 'a' + 10);
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && is_hex(s[i + 1]) && is_hex(s[i + 2])) {
      out.push_back(static_cast<char>(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string Uri::user_unescaped() const { return unescape(user); }

std::optional<std::string_view> Uri::param(std::string_view name) const {
  if (params.empty()) return std::nullopt;
  size_t start = 0;
  while (start <= params.size()) {
    size_t end = params.find(';', start);
    if (end == std::string_view::npos) end = params.size();
    std::string_view p = params.substr(start, end - start);
    size_t eq = p.find('=');
    if (iequals(p.substr(0, eq), name)) {
      return eq == std::string_view::npos ? std::string_view{} : p.substr(eq + 1);
    }
    start = end + 1;
  }
  return std::nullopt;
}

UriResult parse_uri_checked(std::string_view text) {
  Uri uri;
  uri.raw = text;
  size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) return fail("missing URI scheme");
  uri.scheme = text.substr(0, colon);
  if (!is_alpha(uri.scheme.front())) return fail("bad URI scheme");
  for (char c : uri.scheme) {
    if (!is_alnum(c) && c != '+' && c != '-' && c != '.') return fail("bad URI scheme");
  }
  std::string_view rest = text.substr(colon + 1);
  if (rest.empty()) return fail("empty URI");
  for (char c : rest) {
    // No URI grammar admits blanks, controls, quotes or angle brackets unescaped.
    if (kTables.uri_bad[static_cast<unsigned char>(c)]) return fail("bad character in URI");
  }
  if (iequals(uri.scheme, "sip")) {
    uri.scheme_id = UriScheme::kSip;
    return parse_sip(rest, uri);
  }
  if (iequals(uri.scheme, "sips")) {
    uri.scheme_id = UriScheme::kSips;
    return parse_sip(rest, uri);
  }
  if (iequals(uri.scheme, "tel")) {
    uri.scheme_id = UriScheme::kTel;
    return parse_tel(rest, uri);
  }
  uri.scheme_id = UriScheme::kOther;
  uri.opaque = rest;
  return UriResult{uri, {}};
}

}  // namespace imsguard::sip
