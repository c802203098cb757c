#include "edge/flow_token.h"

#include "common/base64.h"
#include "crypto/ct.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>

namespace imsguard::edge {

namespace {

constexpr size_t kMacBytes = 12;  // 96 bits: forging one needs 2^96 guesses on line
constexpr size_t kHeadBytes = 7;  // purpose, expiry (5), flow count
constexpr size_t kFlowBytes = 1 + 16 + 2 + 2 + 8 + 16;  // the last 16: a UDP flow's local address
// Kind byte: the transport in the low bits; 0x80 an IPv6 peer; 0x40 or 0x20 an IPv4 or IPv6
// local address follows the connection id.
constexpr uint8_t kPeerV6 = 0x80;
constexpr uint8_t kLocalV4 = 0x40;
constexpr uint8_t kLocalV6 = 0x20;
constexpr size_t kMaxPlain = kHeadBytes + FlowTokens::kMaxFlows * kFlowBytes;
constexpr size_t kMaxToken = (kMaxPlain + kMacBytes) * 4 / 3 + 4;
constexpr uint64_t kMaxExpiry = (uint64_t{1} << 40) - 1;
// derive() hashes under a prefix no binding length can take (bindings are message fields).
constexpr uint8_t kDeriveDomain[4] = {0xff, 0xff, 0xff, 0xff};

uint8_t purpose_byte(FlowPurpose p) {
  switch (p) {
    case FlowPurpose::kVia: return 'v';
    case FlowPurpose::kPath: return 'p';
    case FlowPurpose::kRecordRoute: return 'r';
    case FlowPurpose::kDialog: return 'd';
  }
  return '?';
}

void put(uint8_t*& p, uint64_t v, size_t bytes) {
  for (size_t i = bytes; i-- > 0;) *p++ = static_cast<uint8_t>(v >> (8 * i));
}

uint64_t get(const uint8_t*& p, size_t bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < bytes; ++i) v = (v << 8) | *p++;
  return v;
}

// One HMAC context per thread, keyed once for the FlowTokens it last served and then only
// re-initialised per MAC: no digest lookup and no allocation per token (the one-shot HMAC()
// did both, for every Via, Record-Route and Route the edge writes or reads).
struct ThreadHmac {
  ThreadHmac() {
    mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (mac) ctx = EVP_MAC_CTX_new(mac);
  }
  ~ThreadHmac() {
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
  }
  ThreadHmac(const ThreadHmac&) = delete;
  ThreadHmac& operator=(const ThreadHmac&) = delete;
  EVP_MAC* mac = nullptr;
  EVP_MAC_CTX* ctx = nullptr;
  uint64_t keyed_for = 0;
};

ThreadHmac& thread_hmac() {
  thread_local ThreadHmac h;
  return h;
}

std::atomic<uint64_t> g_next_id{1};

}  // namespace

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

FlowTokens::FlowTokens(const std::array<uint8_t, kKeyBytes>& key, crypto::MacFunction mac)
    : key_(key), injected_mac_(std::move(mac)), id_(g_next_id.fetch_add(1)) {}

bool FlowTokens::mac(std::span<const uint8_t> prefix, std::string_view binding, std::span<const uint8_t> plain,
                     uint8_t* out32) const {
  if (injected_mac_) {
    std::string data(reinterpret_cast<const char*>(prefix.data()), prefix.size());
    data.append(binding).append(reinterpret_cast<const char*>(plain.data()), plain.size());
    auto full = injected_mac_(key_, data);
    if (!full) return false;
    std::memcpy(out32, full->data(), full->size());
    return true;
  }
  ThreadHmac& h = thread_hmac();
  if (!h.ctx) return false;
  bool ok;
  if (h.keyed_for != id_) {
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
    ok = EVP_MAC_init(h.ctx, key_.data(), key_.size(), params) == 1;
    h.keyed_for = ok ? id_ : 0;
  } else {
    ok = EVP_MAC_init(h.ctx, nullptr, 0, nullptr) == 1;
  }
  size_t len = 0;
  return ok && EVP_MAC_update(h.ctx, prefix.data(), prefix.size()) == 1 &&
         EVP_MAC_update(h.ctx, reinterpret_cast<const uint8_t*>(binding.data()), binding.size()) == 1 &&
         EVP_MAC_update(h.ctx, plain.data(), plain.size()) == 1 && EVP_MAC_final(h.ctx, out32, &len, 32) == 1 &&
         len == 32;
}

std::optional<std::array<uint8_t, 32>> FlowTokens::derive(std::string_view data) const {
  std::array<uint8_t, 32> out{};
  if (!mac(kDeriveDomain, data, {}, out.data())) return std::nullopt;
  return out;
}

std::string FlowTokens::encode(std::span<const net::Flow> flows, FlowPurpose purpose, std::string_view binding,
                               int64_t expires_unix_s) const {
  uint8_t buf[kMaxPlain + kMacBytes];
  uint8_t* p = buf;
  *p++ = purpose_byte(purpose);
  put(p, static_cast<uint64_t>(std::clamp<int64_t>(expires_unix_s, 0, kMaxExpiry)), 5);
  size_t n = std::min(flows.size(), kMaxFlows);
  *p++ = static_cast<uint8_t>(n);
  for (size_t i = 0; i < n; ++i) {
    const net::Flow& f = flows[i];
    bool v6 = f.address.is_v6();
    // Only UDP needs it: a reply must leave a wildcard socket from the address the peer sent
    // to (net/server.h); a stream's connection already has its address.
    bool local = f.transport == config::Transport::kUdp && !f.local_address.is_unspecified();
    uint8_t local_kind = !local ? 0 : f.local_address.is_v4() ? kLocalV4 : kLocalV6;
    *p++ = static_cast<uint8_t>(static_cast<uint8_t>(f.transport) | (v6 ? kPeerV6 : 0) | local_kind);
    if (v6) {
      auto bytes = f.address.to_v6().to_bytes();
      std::memcpy(p, bytes.data(), bytes.size());
      p += bytes.size();
    } else {
      auto bytes = f.address.to_v4().to_bytes();
      std::memcpy(p, bytes.data(), bytes.size());
      p += bytes.size();
    }
    put(p, f.port, 2);
    put(p, f.local_port, 2);
    put(p, f.connection_id, 8);
    if (local_kind == kLocalV4) {
      auto bytes = f.local_address.to_v4().to_bytes();
      std::memcpy(p, bytes.data(), bytes.size());
      p += bytes.size();
    } else if (local_kind == kLocalV6) {
      auto bytes = f.local_address.to_v6().to_bytes();
      std::memcpy(p, bytes.data(), bytes.size());
      p += bytes.size();
    }
  }
  size_t plain = static_cast<size_t>(p - buf);
  uint8_t full[32];
  uint8_t length[4];
  uint8_t* l = length;
  put(l, binding.size(), 4);
  if (!mac(length, binding, std::span<const uint8_t>(buf, plain), full)) return {};
  std::memcpy(p, full, kMacBytes);
  return base64url_encode(std::span<const uint8_t>(buf, plain + kMacBytes));
}

std::optional<TokenFlows> FlowTokens::decode_flows(std::string_view token, FlowPurpose purpose,
                                                   std::string_view binding, int64_t now_unix_s) const {
  if (token.size() > kMaxToken) return std::nullopt;
  auto bytes = base64url_decode(token);
  if (!bytes || bytes->size() < kHeadBytes + kMacBytes) return std::nullopt;
  size_t plain = bytes->size() - kMacBytes;
  uint8_t full[32];
  uint8_t length[4];
  uint8_t* l = length;
  put(l, binding.size(), 4);
  if (!mac(length, binding, std::span<const uint8_t>(bytes->data(), plain), full) ||
      !crypto::constant_time_equal(std::string_view(reinterpret_cast<const char*>(full), kMacBytes),
                                   std::string_view(reinterpret_cast<const char*>(bytes->data() + plain), kMacBytes)))
    return std::nullopt;
  // Under a valid MAC the layout is ours, but it is still checked field by field: a key
  // shared with an older build must not make one token read as another.
  const uint8_t* p = bytes->data();
  const uint8_t* end = p + plain;
  if (*p++ != purpose_byte(purpose)) return std::nullopt;
  if (static_cast<int64_t>(get(p, 5)) < now_unix_s) return std::nullopt;
  TokenFlows out;
  out.count = *p++;
  if (out.count == 0 || out.count > kMaxFlows) return std::nullopt;
  for (size_t i = 0; i < out.count; ++i) {
    if (end - p < 1) return std::nullopt;
    uint8_t kind = *p++;
    uint8_t transport = kind & 0x1f;
    if (transport > static_cast<uint8_t>(config::Transport::kTls)) return std::nullopt;
    if ((kind & kLocalV4) && (kind & kLocalV6)) return std::nullopt;
    size_t address_bytes = (kind & kPeerV6) ? 16 : 4;
    if (static_cast<size_t>(end - p) < address_bytes + 12) return std::nullopt;
    net::Flow& f = out.flows[i];
    f.transport = static_cast<config::Transport>(transport);
    if (address_bytes == 16) {
      asio::ip::address_v6::bytes_type a;
      std::memcpy(a.data(), p, 16);
      f.address = asio::ip::address_v6(a);
    } else {
      asio::ip::address_v4::bytes_type a;
      std::memcpy(a.data(), p, 4);
      f.address = asio::ip::address_v4(a);
    }
    p += address_bytes;
    f.port = static_cast<uint16_t>(get(p, 2));
    f.local_port = static_cast<uint16_t>(get(p, 2));
    f.connection_id = get(p, 8);
    if (kind & (kLocalV4 | kLocalV6)) {
      size_t local_bytes = (kind & kLocalV6) ? 16 : 4;
      if (static_cast<size_t>(end - p) < local_bytes) return std::nullopt;
      if (local_bytes == 16) {
        asio::ip::address_v6::bytes_type a;
        std::memcpy(a.data(), p, 16);
        f.local_address = asio::ip::address_v6(a);
      } else {
        asio::ip::address_v4::bytes_type a;
        std::memcpy(a.data(), p, 4);
        f.local_address = asio::ip::address_v4(a);
      }
      p += local_bytes;
    }
  }
  if (p != end) return std::nullopt;
  return out;
}

std::optional<net::Flow> FlowTokens::decode(std::string_view token, FlowPurpose purpose, std::string_view binding,
                                            int64_t now_unix_s) const {
  auto flows = decode_flows(token, purpose, binding, now_unix_s);
  if (!flows || flows->count != 1) return std::nullopt;
  return flows->flows[0];
}

}  // namespace imsguard::edge
