#pragma once
// Stateless forwarding (RFC 3261 16.11) between registered users through the edge: a
// request from a registered flow is stripped of any identity the client asserted, gets the
// authenticated one (RFC 3325), and is delivered over the callee's registered flow; the
// answer finds its way back through our Via, whose flow token is MAC-protected so a callee
// cannot make the edge reflect answers to an address of its choosing.
#include "common/status.h"
#include "config/config.h"
#include "edge/dialog_route.h"
#include "edge/flow_token.h"
#include "edge/header_policy.h"
#include "edge/media_policy.h"
#include "edge/peer_auth.h"
#include "edge/registrar.h"
#include "edge/topology_hiding.h"
#include "net/flow.h"
#include "ops/activity_log.h"
#include "ops/counters.h"
#include "ops/events.h"
#include "sip/message.h"
#include "sip/writer.h"

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace imsguard::edge {

struct ProxyCounters;
class ClientTransactions;

// What a Proxy works with, built by the composition root (src/app) and passed whole to the
// constructor: no setter finishes a Proxy after it is built.
struct ProxyDeps {
  // Where relayed requests and answers go (the transports); null: nothing is sent (503).
  net::FlowSender* sender = nullptr;
  // Requests relayed get client transactions (over UDP retransmission and 408 on timeout,
  // Timer C for INVITE); null: forwarding is purely stateless.
  ClientTransactions* client_transactions = nullptr;
  // The node's counter registry and security event sink; required.
  ops::CounterRegistry* metrics = nullptr;
  ops::EventSink* events = nullptr;
};

class Proxy final : public PathMaker {
 public:
  Proxy(const config::Config& config, Registrar& registrar, ProxyDeps deps);
  ~Proxy() override;

  // A request from a registered flow (identity already checked by the edge).
  void forward_request(const net::Flow& flow, const FlowIdentity& identity, const sip::Message& msg,
                       net::Responder& reply);
  // A response arriving at the edge: relayed to the flow named by our top Via, or dropped.
  void forward_response(const net::Flow& flow, const sip::Message& msg);

  // --- external S-CSCF (core.scscf is a SIP URI): the edge is a P-CSCF in front of it.
  // The core's address from the config: nullopt for "embedded"; kInvalid when the value is
  // neither "embedded" nor sip:<IP address>[:port][;transport=udp|tcp].
  static StatusOr<std::optional<net::Flow>> parse_core(const std::string& scscf);
  bool external_core() const { return core_.has_value(); }
  // True for a message whose source is the configured S-CSCF (the only trusted peer).
  bool from_core(const net::Flow& flow) const;
  // REGISTER from a client: relayed to the S-CSCF with our Via and a Path (RFC 3327) whose
  // flow token brings terminating requests back to this client flow. The S-CSCF
  // authenticates; its 2xx teaches the registrar the flow's identities.
  void forward_register(const net::Flow& flow, const sip::Message& msg, net::Responder& reply);
  // A request from the S-CSCF (or a peer edge) toward a client: routed by the flow token of our Route
  // (from the Path or a Record-Route we added), answered 404 when there is none.
  void deliver_from_core(const net::Flow& flow, const sip::Message& msg, net::Responder& reply);

  // --- peer edges (sip.peers) sharing one state store.
  // True for a message from the UDP listener of a configured peer edge (an address, not a
  // proof: used only to choose where to send).
  bool from_peer(const net::Flow& flow) const;
  // True for a request from a peer edge's listener that carries a valid, fresh
  // Imsguard-Peer-Auth (edge/peer_auth.h); a failure is counted and reported.
  bool trusted_peer(const net::Flow& flow, const sip::Message& msg) const;
  // sip.peer_key_file (and core.auth_key_file) of the config, for Node::start to check
  // before the edge starts.
  static Status check_peer_key(const config::Config& config);
  // Whether what a request from the S-CSCF asserts may reach the client: it came over a
  // stream (the handshake proved its address) or carries a valid Imsguard-Peer-Auth under
  // core.auth_key_file. A UDP source address alone proves nothing (issue 17 F4).
  bool core_request_proven(const net::Flow& flow, const sip::Message& msg) const;
  // The Path this edge records in a binding made over `client` when peers are configured
  // (empty otherwise): our UDP listener with the flow token, so a peer relays here.
  std::string path_for(const net::Flow& client) const override;
  // <data_dir>/flow.key: the MAC key of our flow tokens (Node::start creates it).
  static std::string flow_key_path(const std::string& data_dir);

  // Our flow tokens (edge/flow_token.h), public for tests.
  const FlowTokens& tokens() const { return tokens_; }

 private:
  // Where a request for a registered user goes: the callee's flow, or, for a binding held
  // by a peer edge, that edge with the binding's Path as Route.
  struct Target {
    net::Flow flow;
    std::string route;
  };
  // The bindings of the Request-URI's AoR, and only those: never a Contact that some account
  // registered (any account may register any Contact), and never a scan of all bindings.
  std::optional<Target> target_for_aor(const sip::Message& msg);
  // media.srtp_policy on the SDP a relayed message carries from `from` to `to`.
  MediaVerdict judge_media(const sip::Message& msg, const net::Flow& from, const net::Flow& to) const;
  // A 2xx to INVITE whose answer the policy refuses: the callee gets ACK and BYE over its
  // flow, the caller a 488 in place of the 2xx (the dialog never starts on its side).
  void end_refused_answer(const net::Flow& callee, const net::Flow& caller, const sip::Message& ok,
                          const std::string& reason);
  // An ACK whose answer (late offer) the policy refuses: ACK and BYE toward the callee, BYE
  // toward the caller, each over its flow.
  void end_refused_late_answer(const net::Flow& caller, const net::Flow& callee, const sip::Message& ack);
  // A request the edge sends on its own inside a dialog: our Via only, so its answer stays
  // at the edge (forward_response), Content-Length 0. `from`/`to` are header values.
  std::string own_request(const net::Flow& hop, std::string_view method, std::string_view ruri, std::string_view from,
                          std::string_view to, std::string_view call_id, uint32_t cseq, std::string_view extra) const;
  // Sends what own_request built (nothing when it built nothing); over UDP a request other
  // than ACK is sent again on Timer E until it is answered or Timer F passes.
  void send_own(const net::Flow& hop, const std::string& bytes);
  // Refuses a request (nothing for an ACK, which is never answered).
  void refuse(const sip::Message& msg, net::Responder& reply, int code, std::string_view reason) const;
  std::optional<Target> target_of(const store::Binding& b) const;
  std::string via_for(const net::Flow& target, const sip::Message& msg, const net::Flow& origin) const;
  // The flow named by the token in `route`'s igf parameter (a Path or one of our Record-Routes).
  std::optional<net::Flow> route_flow(const sip::NameAddr& route, const sip::Message& msg) const;
  // Hands a request just relayed to the client transactions (when there are any).
  void track(const net::Flow& origin, const sip::Message& msg, const net::Flow& target, std::string_view via,
             std::string bytes);
  std::string asserted_identity(const FlowIdentity& identity, const sip::Message& msg) const;
  // <sip:USER@HOST:PORT;lr;igf=TOKEN> naming the edge on `hop` (edge/edge_address.h).
  std::string own_route(const net::Flow& hop, std::string_view user, std::string_view token) const;
  // SDES keys travel in the SDP: when either hop is not TLS they are removed (by policy,
  // media.sdes_requires_tls), counted and reported, so SRTP never runs on a key an
  // eavesdropper on a plain hop has read (docs/media.md).
  void protect_sdes(sip::MessageWriter& w, const sip::Message& msg, const net::Flow& from, const net::Flow& to) const;
  // INVITE, SUBSCRIBE, REFER or NOTIFY outside a dialog (no To tag).
  static bool creates_dialog(const sip::Message& msg);
  // Adds Record-Route (dialog-creating requests) so in-dialog requests pass the edge too.
  void record_route(sip::MessageWriter& w, const sip::Message& msg, const net::Flow& client) const;

  const config::Config& config_;
  Registrar& registrar_;
  std::array<uint8_t, 32> key_{};
  FlowTokens tokens_;
  std::optional<PeerAuth> peer_auth_;  // with sip.peers
  std::unique_ptr<ProxyCounters> owned_counters_;
  std::optional<PeerAuth> core_auth_;  // core.auth_key_file: the S-CSCF's Imsguard-Peer-Auth
  ProxyCounters& counters_;
  std::optional<net::Flow> core_;  // external S-CSCF, when configured
  std::vector<net::Flow> peers_;   // sip.peers
  net::FlowSender* sender_;
  ClientTransactions* client_transactions_;
  DialogRoutes dialogs_{config_, tokens_};
  std::optional<TopologyHiding> hiding_;  // identity.topology_hiding; made once tokens_ has its key
  mutable CallReports call_reports_;
  ops::EventSink& events_;
  mutable ops::ActivityLog activity_;  // the call lines' cap
  HeaderPolicyStats header_policy_;
  media::NegotiationLog negotiation_;  // the media outcomes of the calls it relays
};

}  // namespace imsguard::edge
