#pragma once
// Authorization, Proxy-Authorization, WWW-Authenticate, Proxy-Authenticate and
// Authentication-Info values as "scheme param=value, param=value" views (RFC 3261 25.1,
// RFC 7616/8760). Only the framing is parsed here; the Digest/AKA semantics live in
// crypto/digest_header.h. Kept in sip so that any element (a proxy that forwards
// credentials unchanged, RFC 4475 regaut01) can inspect them without the crypto module.
#include <optional>
#include <string>
#include <string_view>

namespace imsguard::sip {

struct AuthValue {
  std::string_view raw;
  std::string_view scheme;  // "Digest", or any token (unknown schemes are kept)
  std::string_view params;  // the comma-separated auth-params, raw

  // The raw value of a parameter (quotes kept); nullopt when absent.
  std::optional<std::string_view> param(std::string_view name) const;
  // The parameter with quotes removed and quoted-pairs resolved.
  std::optional<std::string> param_text(std::string_view name) const;
};

// Parses one header value. Authentication-Info has no scheme: pass has_scheme = false.
std::optional<AuthValue> parse_auth_value(std::string_view value, bool has_scheme = true);

// One parameter of a scheme-prefixed value (Authorization, WWW-Authenticate), in a single
// pass that also checks the whole value: nullopt when the value is malformed or the parameter
// absent. The same answer as parse_auth_value(value)->param(name), for one read instead of two.
std::optional<std::string_view> find_auth_param(std::string_view value, std::string_view name);

}  // namespace imsguard::sip
