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
// The token is a flow token (edge/flow_token.h) of purpose "dialog" naming both flows.
#include "config/config.h"
#include "edge/flow_token.h"
#include "net/flow.h"
#include "sip/name_addr.h"

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
  DialogRoutes(const config::Config& config, const FlowTokens& tokens) : config_(config), tokens_(tokens) {}

  // How long a dialog's route is good for: SIP does not bound a dialog's life; a day, after
  // which in-dialog requests through that route fail.
  static constexpr int64_t kLifetimeS = 24 * 3600;

  // The Record-Route values to prepend, bottom first: one when both flows reach the same
  // address of the edge over the same transport, two otherwise (the last one, on top, faces
  // the callee). Each names the edge's address on its side's hop (edge/edge_address.h).
  std::vector<std::string> record_routes(const DialogFlows& flows, std::string_view call_id) const;

  // The leading Route entries that name this edge (one of its listeners, or a dialog token):
  // how many, and the dialog they carry when one has a valid token. `forged`: an entry of
  // ours carried a token that does not verify (tampered, or another dialog's).
  struct Popped {
    size_t own = 0;
    std::optional<DialogFlows> dialog;
    bool forged = false;
  };
  // `arrival`: the flow the request came on (a wildcard listener is "ours" only at the
  // address the request arrived at).
  Popped pop_own(const std::vector<sip::NameAddr>& routes, std::string_view call_id, const net::Flow& arrival) const;

  // The participant a request from `from` goes to; nullopt when `from` is neither.
  static std::optional<net::Flow> other_end(const DialogFlows& flows, const net::Flow& from);
  // The same flow: transport, remote address and port, and connection for streams.
  static bool same_flow(const net::Flow& a, const net::Flow& b);

  std::string encode(const DialogFlows& flows, std::string_view call_id) const;
  std::optional<DialogFlows> decode(std::string_view token, std::string_view call_id,
                                    int64_t now_unix_s = unix_now()) const;

 private:
  bool names_listener(const sip::Uri& uri, const net::Flow& arrival) const;

  const config::Config& config_;
  const FlowTokens& tokens_;
};

}  // namespace imsguard::edge
