#include "edge/flow_token.h"

#include "crypto/ct.h"
#include "crypto/hex.h"

#include "crypto/hmac.h"

#include <charconv>
#include <chrono>
#include <vector>

namespace imsguard::edge {

namespace {

constexpr size_t kMacBytes = 12;  // 96 bits: forging one needs 2^96 guesses on line
constexpr size_t kMaxToken = 512;

char purpose_char(FlowPurpose p) {
  switch (p) {
    case FlowPurpose::kVia: return 'v';
    case FlowPurpose::kPath: return 'p';
    case FlowPurpose::kRecordRoute: return 'r';
  }
  return '?';
}

std::optional<config::Transport> parse_transport(std::string_view t) {
  if (t == "udp") return config::Transport::kUdp;
  if (t == "tcp") return config::Transport::kTcp;
  if (t == "tls") return config::Transport::kTls;
  return std::nullopt;
}

bool number(std::string_view digits, uint64_t max, uint64_t& out) {
  auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
  return !digits.empty() && err == std::errc() && end == digits.data() + digits.size() && out <= max;
}

// The MAC covers the token's text and the binding, with the binding's length first so no
// split of one string into text and binding collides with another.
std::string mac_of(const std::array<uint8_t, FlowTokens::kKeyBytes>& key, std::string_view plain,
                   std::string_view binding) {
  std::string input = std::to_string(binding.size()) + ":";
  input += binding;
  input += "|";
  input += plain;
  auto mac = crypto::hmac_sha256(key, input);
  if (!mac) return {};  // no MAC: encode makes an empty token, decode accepts nothing
  return crypto::to_hex(std::span<const uint8_t>(mac->data(), kMacBytes));
}

}  // namespace

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string FlowTokens::encode(const net::Flow& flow, FlowPurpose purpose, std::string_view binding,
                               int64_t expires_unix_s) const {
  // purpose/expiry/transport/address/port/connection/local_port
  std::string plain = std::string(1, purpose_char(purpose)) + "/" + std::to_string(expires_unix_s) + "/" +
                      std::string(config::transport_name(flow.transport)) + "/" + flow.address.to_string() + "/" +
                      std::to_string(flow.port) + "/" + std::to_string(flow.connection_id) + "/" +
                      std::to_string(flow.local_port);
  std::string mac = mac_of(key_, plain, binding);
  // Without a MAC there is no token: an empty one routes nothing (fail closed).
  if (mac.empty()) return {};
  return crypto::to_hex(plain) + "." + mac;
}

std::optional<net::Flow> FlowTokens::decode(std::string_view token, FlowPurpose purpose, std::string_view binding,
                                            int64_t now_unix_s) const {
  size_t dot = token.find('.');
  if (dot == std::string_view::npos || token.size() > kMaxToken) return std::nullopt;
  auto bytes = crypto::from_hex(token.substr(0, dot));
  if (!bytes) return std::nullopt;
  std::string plain(bytes->begin(), bytes->end());
  std::string mac = mac_of(key_, plain, binding);
  if (mac.empty() || !crypto::constant_time_equal(mac, token.substr(dot + 1))) return std::nullopt;
  std::vector<std::string_view> parts;
  std::string_view rest = plain;
  for (size_t slash; (slash = rest.find('/')) != std::string_view::npos; rest.remove_prefix(slash + 1))
    parts.push_back(rest.substr(0, slash));
  parts.push_back(rest);
  if (parts.size() != 7 || parts[0].size() != 1 || parts[0][0] != purpose_char(purpose)) return std::nullopt;
  uint64_t expires = 0, port = 0, conn = 0, local = 0;
  if (!number(parts[1], INT64_MAX, expires) || static_cast<int64_t>(expires) < now_unix_s) return std::nullopt;
  net::Flow f;
  auto t = parse_transport(parts[2]);
  std::error_code ec;
  f.address = asio::ip::make_address(std::string(parts[3]), ec);
  if (!t || ec) return std::nullopt;
  f.transport = *t;
  if (!number(parts[4], 65535, port) || !number(parts[5], UINT64_MAX, conn) || !number(parts[6], 65535, local))
    return std::nullopt;
  f.port = static_cast<uint16_t>(port);
  f.connection_id = conn;
  f.local_port = static_cast<uint16_t>(local);
  return f;
}

}  // namespace imsguard::edge
