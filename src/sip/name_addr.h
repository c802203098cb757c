#pragma once
// The (name-addr / addr-spec) *(;param) form shared by From, To, Contact, Route,
// Record-Route, P-Asserted-Identity, P-Preferred-Identity, Path, Service-Route, Refer-To.
// In the addr-spec form (no <>), parameters after the URI belong to the header, not the
// URI (RFC 3261 20.10, RFC 4475 cparam01); a URI with ',', ';' or '?' there is refused
// (RFC 4475 regbadct).
#include <optional>
#include <string>
#include <string_view>

#include "sip/uri.h"

namespace imsguard::sip {

struct NameAddr {
  std::string_view raw;
  // The display name as written: quoted (with its quotes) or a run of tokens; may be empty.
  std::string_view display_name;
  bool has_brackets = false;  // the URI was written inside <>
  Uri uri;
  std::string_view params;  // header parameters, starting at the first ';' (LWS trimmed)
  bool wildcard = false;    // Contact: *

  // Display name with quotes removed and quoted-pairs resolved.
  std::string display_name_text() const;
  std::optional<std::string_view> param(std::string_view name) const;
  std::string_view tag() const;  // empty when absent
};

struct NameAddrResult {
  std::optional<NameAddr> value;
  std::string_view error;
};

// Parses one element (already split at list commas and LWS-trimmed).
// allow_wildcard: accept "*" (Contact in REGISTER).
NameAddrResult parse_name_addr_checked(std::string_view text, bool allow_wildcard = false);
inline std::optional<NameAddr> parse_name_addr(std::string_view text, bool allow_wildcard = false) {
  return parse_name_addr_checked(text, allow_wildcard).value;
}

}  // namespace imsguard::sip
