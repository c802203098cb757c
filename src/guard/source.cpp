#include "guard/source.h"

#include <openssl/rand.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace imsguard::guard {

namespace {

uint64_t process_key() {
  static const uint64_t key = [] {
    uint64_t k = 0;
    // A known key would let a sender choose colliding flows and transaction keys: no start
    // without one.
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&k), sizeof k) != 1) {
      std::fputs("imsguard: no randomness for the hash key (RAND_bytes failed)\n", stderr);
      std::abort();
    }
    return k | 1;
  }();
  return key;
}

inline uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

Address Address::from(const asio::ip::address& a) {
  Address out;
  if (a.is_v4()) {
    out.v4 = true;
    auto b = a.to_v4().to_bytes();
    out.bytes[10] = 0xff;
    out.bytes[11] = 0xff;
    std::memcpy(out.bytes.data() + 12, b.data(), 4);
  } else {
    auto v6 = a.to_v6();
    if (v6.is_v4_mapped()) return from(asio::ip::make_address_v4(asio::ip::v4_mapped, v6));
    auto b = v6.to_bytes();
    std::memcpy(out.bytes.data(), b.data(), 16);
  }
  return out;
}

Address Address::masked(unsigned bits) const {
  Address out = *this;
  if (bits >= 128) return out;
  unsigned full = bits / 8;
  unsigned rest = bits % 8;
  if (rest) {
    out.bytes[full] &= static_cast<uint8_t>(0xff << (8 - rest));
    ++full;
  }
  for (unsigned i = full; i < 16; ++i) out.bytes[i] = 0;
  return out;
}

std::string Prefix::to_string() const {
  std::string text;
  if (address.v4) {
    asio::ip::address_v4::bytes_type b;
    std::memcpy(b.data(), address.bytes.data() + 12, 4);
    text = asio::ip::address_v4(b).to_string();
    if (bits < 128) text += "/" + std::to_string(bits - 96);
  } else {
    asio::ip::address_v6::bytes_type b;
    std::memcpy(b.data(), address.bytes.data(), 16);
    text = asio::ip::address_v6(b).to_string();
    if (bits < 128) text += "/" + std::to_string(bits);
  }
  return text;
}

StatusOr<Prefix> parse_prefix(std::string_view text) {
  auto fail = [](std::string why) -> StatusOr<Prefix> { return invalid_argument(std::move(why)); };
  std::string_view addr = text;
  std::optional<unsigned> len;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    addr = text.substr(0, slash);
    std::string_view l = text.substr(slash + 1);
    unsigned v = 0;
    auto [p, ec] = std::from_chars(l.data(), l.data() + l.size(), v);
    if (l.empty() || ec != std::errc() || p != l.data() + l.size()) return fail("bad prefix length in '" + std::string(text) + "'");
    len = v;
  }
  std::error_code ec;
  auto a = asio::ip::make_address(std::string(addr), ec);
  if (ec) return fail("not an IP address: '" + std::string(addr) + "'");
  Prefix p;
  p.address = Address::from(a);
  unsigned max = p.address.v4 ? 32 : 128;
  unsigned l = len.value_or(max);
  if (l > max) return fail("prefix length " + std::to_string(l) + " is longer than " + std::to_string(max));
  p.bits = p.address.v4 ? l + 96 : l;
  p.address = p.address.masked(p.bits);
  return p;
}

uint64_t hash_bytes(const void* data, size_t n, uint64_t salt) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint64_t h = process_key() ^ mix(salt + n);
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = mix(h ^ w) + 0x9e3779b97f4a7c15ULL;
    p += 8;
    n -= 8;
  }
  uint64_t w = 0;
  std::memcpy(&w, p, n);
  return mix(h ^ w ^ (static_cast<uint64_t>(n) << 56));
}

uint64_t hash_prefix(const Prefix& p) { return hash_bytes(p.address.bytes.data(), 16, p.bits); }

uint64_t hash_flow(const net::Flow& flow) {
  Address a = Address::from(flow.address);
  uint64_t salt = (static_cast<uint64_t>(flow.port) << 8) ^ (static_cast<uint64_t>(flow.transport) << 4) ^
                  (flow.connection_id << 24) ^ 0x5a5a;
  return hash_bytes(a.bytes.data(), 16, salt);
}

uint64_t hash_text_ci(std::string_view s, uint64_t salt) {
  uint64_t h = process_key() ^ mix(salt + 0x1234567);
  for (unsigned char c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c + 32);
    h = (h ^ c) * 0x100000001b3ULL;
  }
  return mix(h);
}

}  // namespace imsguard::guard
