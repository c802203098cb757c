#pragma once
// Media types as RFC 2045 5.1 / RFC 7231 3.1.1.1 define them: `type "/" subtype *(";"
// parameter)`, type, subtype and parameter names case-insensitive, values a token or a
// quoted-string. The edge decides whether a body may carry SDP (and so SDES keys) from
// this, never from a byte comparison with "application/sdp": `Application/SDP;
// charset=utf-8` is SDP to every user agent.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace imsguard::media {

struct MediaType {
  std::string type, subtype;  // lower case
  std::vector<std::pair<std::string, std::string>> parameters;  // name lower case, value unquoted

  bool is(std::string_view t, std::string_view s) const { return type == t && subtype == s; }
  const std::string* parameter(std::string_view name) const;  // null when absent
};

// nullopt when `value` is not a media type (SIP allows linear white space around "/" and ";").
std::optional<MediaType> parse_media_type(std::string_view value);

}  // namespace imsguard::media
