#pragma once
// Stateless forwarding (RFC 3261 16.11) between registered users through the edge: a
// request from a registered flow is stripped of any identity the client asserted, gets the
// authenticated one (RFC 3325), and is delivered over the callee's registered flow; the
// answer finds its way back through our Via, whose flow token is MAC-protected so a callee
// cannot make the edge reflect answers to an address of its choosing.
#include "config/config.h"
#include "edge/registrar.h"
#include "net/flow.h"
#include "sip/message.h"

#include <array>
#include <optional>
#include <string>

namespace imsguard::edge {

struct ProxyCounters;

class Proxy {
 public:
  Proxy(const config::Config& config, Registrar& registrar);

  // A request from a registered flow (identity already checked by the edge).
  void forward_request(const net::Flow& flow, const FlowIdentity& identity, const sip::Message& msg,
                       net::Responder& reply);
  // A response arriving at the edge: relayed to the flow named by our top Via, or dropped.
  void forward_response(const net::Flow& flow, const sip::Message& msg);

  // The flow token of our Via (public for tests): transport, address, port, connection id
  // and local port, with a MAC.
  std::string encode_flow(const net::Flow& flow) const;
  std::optional<net::Flow> decode_flow(std::string_view token) const;

 private:
  std::optional<net::Flow> target_for(const sip::Message& msg, std::string& aor_out);
  std::string via_for(const net::Flow& target, const sip::Message& msg, const net::Flow& origin) const;
  std::string asserted_identity(const FlowIdentity& identity, const sip::Message& msg) const;

  const config::Config& config_;
  Registrar& registrar_;
  std::array<uint8_t, 32> key_{};
  ProxyCounters& counters_;
};

}  // namespace imsguard::edge
