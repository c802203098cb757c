#pragma once
// Keeps the edge on every dialog between subscribers without keeping dialog state (RFC 3261
// 16.6 step 4, 16.12): the Record-Route the edge adds to a dialog-creating request carries
// both participants' flows (caller and callee) under a MAC bound to the Call-ID. Each
// in-dialog request brings the token back in its Route; the edge pops its own entries
// (16.4), sends the request over the other participant's registered flow (its connection or
// NAT binding, never a new connection to a Contact) and refuses a request that arrives on a
// flow that is neither participant's. When caller and callee use different transports the
// edge records two entries, one per listener (RFC 5658 double record-routing), so each side
// reaches the edge over its own transport. The only cost per dialog is the token's bytes.
#include "config/config.h"
#include "net/flow.h"
#include "sip/name_addr.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imsguard::edge {

struct DialogFlows {
  net::Flow caller;
  net::Flow callee;
};

class DialogRoutes {
 public:
  DialogRoutes(const config::Config& config, const std::array<uint8_t, 32>& key) : config_(config), key_(key) {}

  // The Record-Route values to prepend, bottom first: one when both flows use the same
  // transport, two otherwise (the last one, on top, faces the callee).
  std::vector<std::string> record_routes(const DialogFlows& flows, std::string_view call_id) const;

  // The leading Route entries that name this edge (one of its listeners, or a dialog token):
  // how many, and the dialog they carry when one has a valid token. `forged`: an entry of
  // ours carried a token that does not verify (tampered, or another dialog's).
  struct Popped {
    size_t own = 0;
    std::optional<DialogFlows> dialog;
    bool forged = false;
  };
  Popped pop_own(const std::vector<sip::NameAddr>& routes, std::string_view call_id) const;

  // The participant a request from `from` goes to; nullopt when `from` is neither.
  static std::optional<net::Flow> other_end(const DialogFlows& flows, const net::Flow& from);
  // The same flow: transport, remote address and port, and connection for streams.
  static bool same_flow(const net::Flow& a, const net::Flow& b);

  std::string encode(const DialogFlows& flows, std::string_view call_id) const;
  std::optional<DialogFlows> decode(std::string_view token, std::string_view call_id) const;

 private:
  bool names_listener(const sip::Uri& uri) const;
  std::string mac(std::string_view caller, std::string_view callee, std::string_view call_id) const;

  const config::Config& config_;
  const std::array<uint8_t, 32>& key_;
};

}  // namespace imsguard::edge
