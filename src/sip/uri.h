#pragma once
// URIs as they appear in the Request-URI and in name-addr headers. sip/sips and tel are
// parsed into parts; any other scheme is kept as an absolute URI (scheme + opaque text),
// because RFC 4475 (unkscm, novelsc, unksm2) requires accepting them syntactically and
// leaving the refusal (416, 400) to the element. Parts are views into the input; escapes
// are left in place and resolved on demand with unescape(), so comparing users never
// depends on how the sender chose to escape them.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace imsguard::sip {

enum class UriScheme : uint8_t { kSip, kSips, kTel, kOther };
enum class HostType : uint8_t { kNone, kIpv4, kIpv6, kDomain };

struct Uri {
  std::string_view raw;
  std::string_view scheme;  // as written
  UriScheme scheme_id = UriScheme::kOther;
  // sip/sips: the userinfo user part (escaped form); tel: the telephone-subscriber number.
  std::string_view user;
  std::string_view password;
  bool has_user = false;
  bool has_password = false;
  std::string_view host;  // IPv6 keeps its brackets
  HostType host_type = HostType::kNone;
  uint16_t port = 0;  // 0: none given
  std::string_view params;   // after the first ';' (without it), raw
  std::string_view headers;  // after '?' (without it), raw
  std::string_view opaque;   // other schemes: everything after "scheme:"

  bool is_sip() const { return scheme_id == UriScheme::kSip || scheme_id == UriScheme::kSips; }
  // The user with %HH escapes resolved (an escaped NUL stays a NUL byte).
  std::string user_unescaped() const;
  // A URI parameter by name (case-insensitive); a flag parameter gives an empty view.
  std::optional<std::string_view> param(std::string_view name) const;
};

struct UriResult {
  std::optional<Uri> uri;
  std::string_view error;  // set when uri is empty
};

UriResult parse_uri_checked(std::string_view text);
inline std::optional<Uri> parse_uri(std::string_view text) { return parse_uri_checked(text).uri; }

// Resolves %HH escapes. A '%' not followed by two hex digits is kept literally.
std::string unescape(std::string_view s);

// The kind of a host as written (IPv6 with its brackets); kNone when it is not a valid
// host.
HostType classify_host(std::string_view host);
// Whether text is a valid IPv4 dotted quad.
bool is_ipv4(std::string_view text);
// Whether text is an IPv6 address (without brackets).
bool is_ipv6(std::string_view text);

}  // namespace imsguard::sip
