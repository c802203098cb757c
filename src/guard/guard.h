#pragma once
// The defence chain's unit: one guard, one job. The chain calls each enabled guard, in the
// configured order, at the hook points it needs: raw bytes before any parsing (cheap guards
// that must survive floods), the parsed request (guards that read headers), and the
// authentication result (guards that learn from failures). A guard says continue, drop
// silently, or reject with a status; the first guard that does not continue decides.
#include "guard/source.h"
#include "net/flow.h"
#include "ops/counters.h"
#include "ops/events.h"
#include "sip/message.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace imsguard::crypto {
struct RequestCredentials;
}

namespace imsguard::guard {

// What the chain knows about a message before any guard looks at it (computed once).
struct Context {
  const net::Flow& flow;
  int64_t now_ms = 0;
  Address address;
  uint64_t flow_hash = 0;
  bool registered = false;   // the flow authenticated recently (its own phone, not its NAT)
  bool allowlisted = false;  // guards.flood.allowlist
  bool address_registered = false;  // some flow from this address authenticated recently

  // Whether the source of this message is proven: a TCP or TLS peer completed a handshake
  // from its address, a UDP sender can write any source address and port.
  bool source_proven() const { return flow.transport != config::Transport::kUdp; }
  // Whether a guard may ban the source on the evidence of this message. A spoofer sees
  // neither the flows nor the answers of a registered phone, but can send a datagram in its
  // name: a UDP message from an address with a live registered flow is dropped, never
  // turned into a ban of that address or flow (docs/security-model.md, "UDP source spoofing").
  bool may_ban() const { return source_proven() || !(registered || address_registered); }
  // The request's credentials, read once by the edge (REGISTER, challenged requests): the
  // identity every per-IMPI guard keys on and whether the nonce proves a challenge was seen.
  const crypto::RequestCredentials* credentials = nullptr;
};

// What a guard's events about one source are grouped by (ops/episodes.h): a stream's source
// is proven and keyed as itself (empty: the event's source); a UDP source is not, so its
// events are grouped by its /24 or /64, and a spoofed sweep of one prefix is one episode.
inline std::string episode_key(const Context& c) {
  if (c.source_proven()) return {};
  return "sources in " + Prefix{c.address.counting_prefix(), c.address.counting_prefix_bits()}.to_string();
}

enum class Action : uint8_t { kContinue, kDrop, kReject };

// Reasons are static text: a verdict never allocates.
struct Verdict {
  Action action = Action::kContinue;
  uint16_t code = 0;              // kReject: the status to answer
  std::string_view reason;        // kReject: the reason phrase; both: for counters/logs
  uint32_t retry_after_s = 0;     // kReject: Retry-After when non-zero
  std::string_view guard;         // who decided

  static Verdict pass() { return {}; }
  static Verdict drop(std::string_view guard, std::string_view reason) { return {Action::kDrop, 0, reason, 0, guard}; }
  static Verdict reject(std::string_view guard, uint16_t code, std::string_view reason, uint32_t retry_after = 0) {
    return {Action::kReject, code, reason, retry_after, guard};
  }
  bool stops() const { return action != Action::kContinue; }
};

// What the authenticator decided for one REGISTER (the edge's AuthOutcome, restated here so
// guards do not depend on the edge).
enum class AuthEvent : uint8_t { kChallenged, kResync, kFailed, kAuthenticated };
struct AuthInfo {
  AuthEvent event = AuthEvent::kChallenged;
  std::string_view impi;
  std::string_view reason;  // for events only: no decision reads it
  // kFailed: the answer carried a nonce we issued to this source for this identity, so its
  // sender saw our challenge. Only such failures are password guesses; a spoofer who cannot
  // see the challenges sent to its victim's address cannot produce one (issue 17 F8c).
  bool answered_our_challenge = false;
  // kFailed: a nonce count already used (a retransmission), not a new guess.
  bool replay = false;
};

class Guard {
 public:
  virtual ~Guard() = default;
  virtual std::string_view name() const = 0;
  // Before parsing. Must not allocate: this runs for every datagram of a flood.
  virtual Verdict on_raw(const Context&, std::string_view /*bytes*/) { return Verdict::pass(); }
  // A parsed request that passed the sanity checks.
  virtual Verdict on_request(const Context&, const sip::Message&) { return Verdict::pass(); }
  // After the authenticator answered a REGISTER.
  virtual void on_auth(const Context&, const sip::Message&, const AuthInfo&) {}
  // Bytes of state this guard holds (fixed tables count in full).
  virtual size_t memory_bytes() const { return 0; }
};

}  // namespace imsguard::guard
