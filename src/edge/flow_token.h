#pragma once
// The flow token: the edge writes a client's flow (transport, address, port, connection,
// local port) into a URI parameter of a header it adds (our Via, a Path, a Record-Route) so a
// message coming back finds the flow without any state at the edge.
//
// Why it carries more than the flow: whoever sees the header sees the token (a callee sees
// the caller's Record-Route and the whole Via stack), so a token alone must not be a ticket
// to the flow. Each token says what it is for (Via, Path, Record-Route: one cannot stand in
// for another), until when it is good, and is bound to data the verifier knows from the
// message it arrives in (for Via and Record-Route the Call-ID: a token copied out of one
// dialog names nobody in another). All of it under an HMAC-SHA-256 with the edge's key.
#include "net/flow.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace imsguard::edge {

enum class FlowPurpose : uint8_t { kVia, kPath, kRecordRoute };

class FlowTokens {
 public:
  static constexpr size_t kKeyBytes = 32;
  explicit FlowTokens(const std::array<uint8_t, kKeyBytes>& key) : key_(key) {}

  // A token for `flow`, good for `purpose` until `expires_unix_s`, when presented with the
  // same `binding` (the verifier must be able to rebuild it: e.g. the Call-ID). The token
  // itself only has characters allowed in a URI parameter value (hex and '.').
  std::string encode(const net::Flow& flow, FlowPurpose purpose, std::string_view binding,
                     int64_t expires_unix_s) const;
  // The flow, when `token` was made by this key for this purpose and binding and has not
  // expired at `now_unix_s`; nullopt otherwise (no reason given: all are the same to a forger).
  std::optional<net::Flow> decode(std::string_view token, FlowPurpose purpose, std::string_view binding,
                                  int64_t now_unix_s) const;

 private:
  std::array<uint8_t, kKeyBytes> key_;
};

// Seconds since the epoch (wall clock: tokens outlive a restart of the edge).
int64_t unix_now();

}  // namespace imsguard::edge
