#include "store/subscriber.h"

#include <set>

namespace imsguard::store {
namespace {

bool has_control_or_space(std::string_view s) {
  for (unsigned char c : s) {
    if (c <= 0x20 || c == 0x7f) return true;
  }
  return false;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

bool is_lower_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::optional<std::string> check_ha1(std::string_view name, const std::string& value,
                                     std::size_t length) {
  if (value.empty()) return std::nullopt;
  if (value.size() != length || !is_lower_hex(value)) {
    return std::string(name) + " must be " + std::to_string(length) + " lowercase hex digits";
  }
  return std::nullopt;
}

}  // namespace

std::string_view auth_scheme_name(AuthScheme scheme) {
  return scheme == AuthScheme::kAka ? "aka" : "digest";
}

std::optional<AuthScheme> parse_auth_scheme(std::string_view name) {
  if (name == "aka") return AuthScheme::kAka;
  if (name == "digest") return AuthScheme::kDigest;
  return std::nullopt;
}

std::optional<std::string> validate_subscriber(const Subscriber& s) {
  if (s.impi.empty()) return "IMPI is empty";
  if (has_control_or_space(s.impi)) return "IMPI contains a space or control character";
  if (s.realm.empty()) return "realm is empty";
  if (has_control_or_space(s.realm)) return "realm contains a space or control character";
  if (s.impus.empty()) return "no IMPU";
  std::set<std::string_view> seen;
  for (const auto& impu : s.impus) {
    if (!starts_with_ci(impu, "sip:") && !starts_with_ci(impu, "sips:") &&
        !starts_with_ci(impu, "tel:")) {
      return "IMPU '" + impu + "' is not a sip:, sips: or tel: URI";
    }
    if (has_control_or_space(impu)) return "IMPU '" + impu + "' contains a space or control character";
    if (!seen.insert(impu).second) return "IMPU '" + impu + "' is listed twice";
  }
  if (s.sqn > kMaxSqn) return "SQN does not fit in 48 bits";
  if (s.scheme == AuthScheme::kDigest) {
    if (s.ha1_md5.empty() && s.ha1_sha256.empty() && s.ha1_sha512_256.empty()) {
      return "digest subscriber without any HA1";
    }
    if (auto e = check_ha1("HA1 MD5", s.ha1_md5, 32)) return e;
    if (auto e = check_ha1("HA1 SHA-256", s.ha1_sha256, 64)) return e;
    if (auto e = check_ha1("HA1 SHA-512-256", s.ha1_sha512_256, 64)) return e;
  }
  for (const auto& service : s.services) {
    if (service.empty()) return "empty service name";
    if (has_control_or_space(service) || service.find_first_of(";,") != std::string::npos) {
      return "service name '" + service + "' contains ';', ',' or a space";
    }
  }
  return std::nullopt;
}

}  // namespace imsguard::store
