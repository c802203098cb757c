#pragma once
// Security-Client / Security-Server / Security-Verify elements (RFC 3329, and the 3GPP
// "ipsec-3gpp" mechanism of TS 33.203): mechanism-name *(";" param). The edge compares
// Security-Verify against what it offered to detect bidding-down attacks, so the
// parameters must be readable exactly as sent.
#include <optional>
#include <string_view>

namespace imsguard::sip {

struct SecurityMechanism {
  std::string_view raw;
  std::string_view name;    // "ipsec-3gpp", "tls", "digest", ...
  std::string_view params;  // from the first ';'
  std::optional<std::string_view> param(std::string_view name) const;
  // The "q" preference (0..1000 in thousandths); nullopt when absent or malformed.
  std::optional<int> preference() const;
};

std::optional<SecurityMechanism> parse_security_mechanism(std::string_view element);

}  // namespace imsguard::sip
