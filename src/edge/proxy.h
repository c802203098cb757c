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
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace imsguard::edge {

struct ProxyCounters;

// The I-S routing hook: requests addressed to a service URI (sip:<service>@services.<domain>)
// go to the service layer instead of a registered user. The interface lives here and the
// implementation in src/service (set by the core role), so the edge does not link it.
class ServiceRouter {
 public:
  virtual ~ServiceRouter() = default;
  // true when the request was for a service and has been answered (or refused) through
  // `reply`; false to relay it as usual.
  virtual bool route(const net::Flow& flow, const FlowIdentity& identity, const sip::Message& msg,
                     net::Responder& reply) = 0;
};

// The process-wide router (null: no service routing). Set before the transports start.
void set_service_router(ServiceRouter* router);
ServiceRouter* service_router();

// The I-S roles of `imsguard run` (servicebox, the core's service routing) are built outside
// the edge library; the binary that links them installs a starter, which Node calls once
// the state stores are open.
class ServiceRoles {
 public:
  virtual ~ServiceRoles() = default;
  virtual void stop() = 0;
  virtual std::string banner() const = 0;
};
using ServiceRoleStarter = std::function<std::unique_ptr<ServiceRoles>(
    const config::Config& config, store::SubscriberStore& subscribers, store::BindingStore& bindings,
    std::string& error)>;
void set_service_role_starter(ServiceRoleStarter starter);
const ServiceRoleStarter& service_role_starter();

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
