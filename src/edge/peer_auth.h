#pragma once
// How one edge proves to another that a request really comes from it. Peer edges exchange
// requests over plain UDP, where a source address proves nothing (anyone can write a
// datagram with a peer's address): so every request an edge relays to a peer carries
// Imsguard-Peer-Auth: ts=<unix seconds>;mac=<hex>, an HMAC-SHA-256 with a key shared by
// the edges of the domain (sip.peer_key_file) over the fields that say who is asking whom
// for what (method, Request-URI, From, To, Call-ID, CSeq, every P-Asserted-Identity, the
// top Route and the top Via, a hash of the body) and the time. The receiving edge accepts
// a request as a peer's only when the MAC verifies and the time is within the window its
// own retransmissions need; a replay inside the window is the same request with the same
// branch, which the server transaction absorbs.
#include "common/status.h"
#include "sip/message.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imsguard::edge {

class PeerAuth {
 public:
  static constexpr std::string_view kHeader = "Imsguard-Peer-Auth";
  static constexpr size_t kMinKeyBytes = 32;

  enum class Verdict { kValid, kMissing, kMalformed, kStale, kBadMac };

  // `key`: the shared secret (at least kMinKeyBytes); `window_s`: how far a timestamp may
  // be from now, either way.
  PeerAuth(std::vector<uint8_t> key, int64_t window_s) : key_(std::move(key)), window_s_(window_s) {}

  // Reads the shared key file. kInvalid: no path, or shorter than kMinKeyBytes; kNotFound:
  // missing or unreadable.
  static StatusOr<std::vector<uint8_t>> load_key(const std::string& path);

  // `request` (serialized, about to go to a peer) with the header added after the start
  // line; nullopt when it does not parse (then it is not sent).
  std::optional<std::string> sign(std::string_view request, int64_t now_unix_s) const;
  Verdict verify(const sip::Message& request, int64_t now_unix_s) const;

  static std::string_view verdict_name(Verdict v);

 private:
  std::string mac(const sip::Message& request, int64_t ts) const;

  std::vector<uint8_t> key_;
  int64_t window_s_;
};

}  // namespace imsguard::edge
