#pragma once
// The embedded core's registrar (S-CSCF-lite) behind the edge: challenges REGISTER with IMS
// AKA or SIP Digest as the subscriber record says, verifies the answer, keeps bindings per
// flow, and tells the edge which identities a flow may use. Unknown, barred and wrongly
// answered users all get the same challenge and the same final answer, so nothing about
// who exists leaks to the network.
#include "config/config.h"
#include "edge/authenticator.h"
#include "net/flow.h"
#include "ops/activity_log.h"
#include "ops/counters.h"
#include "ops/events.h"
#include "sip/message.h"
#include "store/binding_store.h"
#include "store/subscriber_store.h"

#include <array>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace imsguard::guard {
class Chain;
struct Context;
}

namespace imsguard::edge {

struct RegistrarCounters;

// The To tag of responses this element creates: stable per Call-ID.
std::string local_tag(const sip::Message& msg);

// The identities a registered flow may use (the subscriber's implicit registration set).
struct FlowIdentity {
  std::string impi;
  std::vector<std::string> impus;
  int64_t expires_at = 0;
  // The edge's address the REGISTER reached (UDP on a wildcard listener: requests to the
  // flow leave from it, net/server.h). Unspecified for a flow loaded from the store.
  asio::ip::address local_address;
};

// With peer edges sharing the state store, each binding records a Path (RFC 3327) to this
// edge carrying the flow token, so a peer relays requests for it here rather than sending
// from its own socket to an address that only accepts this edge (NAT, connected sockets).
// The proxy makes them (it owns the flow tokens); the edge hands it to each REGISTER.
class PathMaker {
 public:
  virtual ~PathMaker() = default;
  // The Path for a binding made over `client`; empty: none.
  virtual std::string path_for(const net::Flow& client) const = 0;
};

// What a Registrar works with besides the config and the stores, passed to the constructor.
struct RegistrarDeps {
  // The defence chain learns every authentication result (brute force, HSS protection);
  // null: no guards.
  guard::Chain* guards = nullptr;
  // The node's counter registry and security event sink; required.
  ops::CounterRegistry* metrics = nullptr;
  ops::EventSink* events = nullptr;
};

class Registrar {
 public:
  Registrar(const config::Config& config, store::SubscriberStore& subscribers, store::BindingStore& bindings,
            RegistrarDeps deps);
  ~Registrar();

  // False when the authenticator could not be made (no randomness for its keys, both schemes
  // off): the composition root refuses to start rather than run a registrar that answers
  // every REGISTER with 500.
  bool ready() const { return auth_ != nullptr; }

  // `guard_ctx` carries the credentials the edge read once for this request (and the guards
  // judged); without it (no guards, tests) they are read here. `paths`: the Path recorded in
  // new bindings (null: none).
  void handle_register(const net::Flow& flow, const sip::Message& msg, net::Responder& reply,
                       const guard::Context* guard_ctx = nullptr, const PathMaker* paths = nullptr);

  // With an external S-CSCF: its 2xx to a REGISTER relayed from `client` makes that flow
  // registered for the IMPUs of P-Associated-URI (else the To AoR) until the latest expiry
  // it grants; a 2xx without a live Contact ends the flow's registration.
  void learn_from_core(const net::Flow& client, const sip::Message& response);

  // The registration of this flow if the request's From is one of its IMPUs; nullopt when
  // the flow is not registered or claims an identity that is not its own.
  std::optional<FlowIdentity> identity_for(const net::Flow& flow, const sip::Message& msg);

  // The edge's address a registered flow reached it at (unspecified: unknown), so a request
  // to a binding leaves a wildcard listener from the address the phone registered to.
  asio::ip::address local_address_of(const net::Flow& flow);

  // Live bindings of an AoR (normalised "sip:user@host").
  std::vector<store::Binding> lookup(std::string_view aor);
  // An operator removes bindings (admin API, `imsguard registration remove`): those of `aor`
  // for `contact` (empty: all of them). A flow left without a live binding loses its
  // registration at once: its requests are refused until it registers again. How many.
  store::StoreResult<size_t> remove_bindings(std::string_view aor, std::string_view contact);

  Authenticator& authenticator() { return *auth_; }

  // "sip:user@host" from a sip/sips URI (scheme kept, no port or params), or "" if not SIP.
  static std::string normalise_aor(std::string_view uri);
  static std::string flow_key(const net::Flow& flow);

 private:
  void send_challenge(const sip::Message& msg, const Challenge& challenge, net::Responder& reply);
  void update_bindings(const net::Flow& flow, const sip::Message& msg, const store::Subscriber& sub,
                       const std::string& aor, net::Responder& reply, const PathMaker* paths);
  // registrar.max_contacts_per_aor: true (and the 403 sent, the event emitted) when the AoR
  // would hold `would_hold` Contacts after this REGISTER adds `adding`, over the cap.
  bool over_contact_cap(const net::Flow& flow, const sip::Message& msg, const store::Subscriber& sub,
                        const std::string& aor, const std::vector<std::string>& adding, size_t would_hold,
                        net::Responder& reply);
  std::mutex& aor_lock(std::string_view aor);
  void remember_flow(const net::Flow& flow, const store::Subscriber& sub, int64_t expires_at);
  void forget_flow(const net::Flow& flow);
  void load_flows();

  const config::Config& config_;
  store::SubscriberStore& subscribers_;
  store::BindingStore& bindings_;
  std::unique_ptr<Authenticator> auth_;
  guard::Chain* guards_;
  std::unique_ptr<RegistrarCounters> owned_counters_;
  RegistrarCounters& counters_;
  ops::EventSink& events_;
  mutable ops::ActivityLog activity_;  // the caps of the registration and authentication failure lines

  // Check-then-write of one AoR's Contacts under one lock, so concurrent REGISTERs for the
  // same AoR (one per worker) cannot each pass the cap (striped: bounded memory).
  std::array<std::mutex, 64> aor_locks_;

  std::shared_mutex flows_mutex_;
  std::unordered_map<std::string, FlowIdentity> flows_;
};

}  // namespace imsguard::edge
