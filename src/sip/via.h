#pragma once
// One Via element (RFC 3261 20.42). The proxy core, the response path (received/rport,
// RFC 3581) and loop detection all read the same few fields, so they are parsed into
// views once; unknown parameters stay in params.
#include <cstdint>
#include <optional>
#include <string_view>

#include "sip/uri.h"

namespace imsguard::sip {

struct Via {
  std::string_view raw;
  std::string_view protocol;   // "SIP"
  std::string_view version;    // "2.0"
  std::string_view transport;  // "UDP", "TCP", "TLS", "SCTP", "WS", or an unknown token
  std::string_view host;       // IPv6 keeps brackets
  HostType host_type = HostType::kNone;
  uint16_t port = 0;  // 0: none given
  std::string_view params;  // from the first ';' (LWS trimmed)
  std::optional<std::string_view> branch;
  std::optional<std::string_view> received;
  std::optional<std::string_view> rport;  // empty view: flag without value
  std::optional<std::string_view> maddr;
  std::optional<std::string_view> ttl;

  std::optional<std::string_view> param(std::string_view name) const;
  // branch starts with the RFC 3261 magic cookie and has something after it.
  bool has_rfc3261_branch() const;
};

struct ViaResult {
  std::optional<Via> value;
  std::string_view error;
};

// Parses one Via element (already split at list commas). LWS is allowed around '/' and
// ':' and ';' (RFC 4475 wsinv).
ViaResult parse_via_checked(std::string_view text);
inline std::optional<Via> parse_via(std::string_view text) { return parse_via_checked(text).value; }

}  // namespace imsguard::sip
