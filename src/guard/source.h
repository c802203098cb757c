#pragma once
// A source address reduced to 16 bytes (IPv4 as ::ffff:a.b.c.d) plus the prefixes the guards
// count and ban by, and a keyed 64-bit hash of them. The key is random per process so a
// spoofing attacker cannot choose addresses that collide in our fixed-size tables.
#include "common/status.h"
#include "net/flow.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace imsguard::guard {

struct Address {
  std::array<uint8_t, 16> bytes{};
  bool v4 = false;

  static Address from(const asio::ip::address& a);
  // Keeps the first `bits` bits (of the 128-bit form), zeroes the rest.
  Address masked(unsigned bits) const;
  // The /24 of an IPv4 address, the /64 of an IPv6 one.
  Address counting_prefix() const { return masked(v4 ? 120 : 64); }
  unsigned counting_prefix_bits() const { return v4 ? 120 : 64; }
  bool operator==(const Address&) const = default;
};

// An address or prefix as an operator writes it: "192.0.2.7", "192.0.2.0/24", "2001:db8::/64".
// `bits` is in the 128-bit form (IPv4 /24 -> 120).
struct Prefix {
  Address address;
  unsigned bits = 128;
  bool contains(const Address& a) const { return a.masked(bits) == address; }
  std::string to_string() const;
  bool operator==(const Prefix&) const = default;
};
// kInvalid with the reason ("not an IP address: 'x'") when the text is not one.
StatusOr<Prefix> parse_prefix(std::string_view text);

// Keyed hashes (per-process random key).
uint64_t hash_bytes(const void* data, size_t n, uint64_t salt = 0);
inline uint64_t hash_address(const Address& a, uint64_t salt = 0) { return hash_bytes(a.bytes.data(), 16, salt); }
uint64_t hash_prefix(const Prefix& p);
// A flow: address, port, transport and connection (so phones behind one NAT differ).
uint64_t hash_flow(const net::Flow& flow);
// Case-insensitive hash of a text (IMPI, user).
uint64_t hash_text_ci(std::string_view s, uint64_t salt = 0);

}  // namespace imsguard::guard
