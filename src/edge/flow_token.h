#pragma once
// The flow token: the edge writes one or two clients' flows (transport, address, port,
// connection, local port) into a URI parameter of a header it adds (our Via, a Path, a
// Record-Route, a dialog's Record-Route) so a message coming back finds its flow without
// any state at the edge. One grammar for every use, so there is one parser to get right.
//
// Why it carries more than the flow: whoever sees the header sees the token (a callee sees
// the caller's Record-Route and the whole Via stack), so a token alone must not be a ticket
// to the flow. Each token says what it is for (Via, Path, Record-Route, dialog: one cannot
// stand in for another), until when it is good, and is bound to data the verifier knows
// from the message it arrives in (for Via, Record-Route and dialog the Call-ID: a token
// copied out of one dialog names nobody in another). All of it under an HMAC-SHA-256 with
// the edge's key.
//
// Wire form: base64url (no padding) of
//   purpose (1 byte: 'v' 'p' 'r' 'd') | expiry (5 bytes, Unix seconds, big-endian) |
//   flow count (1 byte, 1..2) | per flow: kind (transport 0/1/2, 0x80 for IPv6, 0x40/0x20
//   for an IPv4/IPv6 local address) | address (4 or 16) | port (2) | local port (2) |
//   connection id (8) | [UDP only: the edge's local address the flow reached (4 or 16), so
//   what goes back leaves a wildcard listener from the address the peer sent to] |
//   MAC (first 12 bytes of HMAC-SHA-256 over: binding length (4 bytes) | binding | the rest)
// An IPv4 Via token is 48 characters (54 with an IPv4 local address); a dialog token naming
// two IPv4 flows 71 (82 with both local addresses).
#include "crypto/hmac.h"
#include "net/flow.h"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace imsguard::edge {

enum class FlowPurpose : uint8_t { kVia, kPath, kRecordRoute, kDialog };

// The flows a token names, in the order they were written (a dialog: caller, callee).
struct TokenFlows {
  std::array<net::Flow, 2> flows;
  size_t count = 0;
};

class FlowTokens {
 public:
  static constexpr size_t kKeyBytes = 32;
  static constexpr size_t kMaxFlows = 2;
  // `mac`: empty for the per-thread OpenSSL context; a test passes one that fails and sees
  // that no token is written and none is accepted (fail closed).
  explicit FlowTokens(const std::array<uint8_t, kKeyBytes>& key, crypto::MacFunction mac = {});

  // A token for `flows` (1 or 2), good for `purpose` until `expires_unix_s`, when presented
  // with the same `binding` (the verifier must be able to rebuild it: e.g. the Call-ID). The
  // token only has characters allowed in a URI parameter value (base64url).
  std::string encode(std::span<const net::Flow> flows, FlowPurpose purpose, std::string_view binding,
                     int64_t expires_unix_s) const;
  std::string encode(const net::Flow& flow, FlowPurpose purpose, std::string_view binding,
                     int64_t expires_unix_s) const {
    return encode(std::span<const net::Flow>(&flow, 1), purpose, binding, expires_unix_s);
  }
  // The flows, when `token` was made by this key for this purpose and binding and has not
  // expired at `now_unix_s`; nullopt otherwise (no reason given: all are the same to a forger).
  std::optional<TokenFlows> decode_flows(std::string_view token, FlowPurpose purpose, std::string_view binding,
                                         int64_t now_unix_s) const;
  // The same for a token that names exactly one flow.
  std::optional<net::Flow> decode(std::string_view token, FlowPurpose purpose, std::string_view binding,
                                  int64_t now_unix_s) const;

  // A keyed hash of `data` under the same key, in a domain no token MAC can collide with:
  // for values that must be unpredictable yet the same for the same input (Via branches).
  // nullopt when OpenSSL fails: the caller sends nothing rather than a predictable value.
  std::optional<std::array<uint8_t, 32>> derive(std::string_view data) const;

 private:
  bool mac(std::span<const uint8_t> prefix, std::string_view binding, std::span<const uint8_t> plain,
           uint8_t* out32) const;

  std::array<uint8_t, kKeyBytes> key_;
  crypto::MacFunction injected_mac_;
  uint64_t id_;  // names the key for the per-thread HMAC context (keyed once per thread)
};

// Seconds since the epoch (wall clock: tokens outlive a restart of the edge).
int64_t unix_now();

}  // namespace imsguard::edge
