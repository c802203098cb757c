#pragma once
// Authorization, Proxy-Authorization, WWW-Authenticate, Proxy-Authenticate and
// Authentication-Info values as "scheme param=value, param=value" (RFC 3261 25.1, RFC 7235
// 2.1, RFC 7616/8760). This is the only lexer of auth-params in the project: the Digest/AKA
// semantics (crypto/digest_header.h) and the guards read credentials through it, so no two
// readers can disagree on where a value starts or what a quoted-pair means (issue 17 F1).
// Kept in sip so that any element (a proxy that forwards credentials unchanged, RFC 4475
// regaut01) can inspect them without the crypto module.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imsguard::sip {

// One auth-param as lexed: `raw` keeps the quotes of a quoted-string.
struct AuthParamView {
  std::string_view name;
  std::string_view raw;
  bool quoted = false;
  // The value with quotes removed and quoted-pairs resolved.
  std::string text() const;
};

struct AuthValue {
  std::string_view raw;
  std::string_view scheme;  // "Digest", or any token (unknown schemes are kept)
  std::string_view params;  // the comma-separated auth-params, raw
  std::vector<AuthParamView> list;  // the params, lexed once, in order

  // The raw value of a parameter (quotes kept); nullopt when absent. Names are case-insensitive.
  std::optional<std::string_view> param(std::string_view name) const;
  // The parameter with quotes removed and quoted-pairs resolved.
  std::optional<std::string> param_text(std::string_view name) const;
};

// Parses one header value. Authentication-Info has no scheme: pass has_scheme = false.
// Refused (nullopt, and the reason in *error when given): no scheme, a malformed param, an
// unterminated quoted string, a CR/LF or control character in a value, a duplicate parameter
// name (case-insensitive), more than 64 parameters.
std::optional<AuthValue> parse_auth_value(std::string_view value, bool has_scheme = true, std::string* error = nullptr);

}  // namespace imsguard::sip
