#pragma once
// The HSS-lite subscriber record. One type for both authentication paths because the
// registrar looks a user up before it knows which scheme applies; `scheme` then says which
// half of the record is meaningful.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imsguard::store {

enum class AuthScheme { kAka, kDigest };

// "aka" / "digest".
std::string_view auth_scheme_name(AuthScheme scheme);
std::optional<AuthScheme> parse_auth_scheme(std::string_view name);

// SQN is a 48-bit counter (TS 33.102).
inline constexpr uint64_t kMaxSqn = (uint64_t{1} << 48) - 1;

struct Subscriber {
  std::string impi;                // private identity, also the digest username
  std::vector<std::string> impus;  // public identities (sip:/sips:/tel: URIs), first is default
  std::string realm;
  AuthScheme scheme = AuthScheme::kDigest;

  // IMS AKA (scheme == kAka).
  std::array<uint8_t, 16> k{};
  std::array<uint8_t, 16> opc{};
  std::array<uint8_t, 2> amf{};
  uint64_t sqn = 0;  // last SQN handed out (48 bits)

  // SIP Digest (scheme == kDigest): lowercase hex HA1 = H(impi:realm:password) per
  // algorithm. The password itself is never stored. An empty value means "not provisioned
  // for this algorithm".
  std::string ha1_md5;         // 32 hex
  std::string ha1_sha256;      // 64 hex
  std::string ha1_sha512_256;  // 64 hex

  bool barred = false;
  std::vector<std::string> services;  // service profile: names of services this user may use

  bool operator==(const Subscriber&) const = default;
};

// Returns why the record cannot be stored, or nullopt if it is well formed: non-empty IMPI
// and realm without control characters, at least one IMPU starting with sip:, sips: or tel:,
// no IMPU twice, SQN within 48 bits, digest records with at least one HA1 of the right
// length in lowercase hex, service names that are non-empty tokens without ';' ',' or space.
std::optional<std::string> validate_subscriber(const Subscriber& s);

}  // namespace imsguard::store
