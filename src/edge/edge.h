#pragma once
// The I-C security edge (P-CSCF position): every datagram or framed message from a client
// enters here. It parses strictly, refuses what RFC 3261 says must be refused (with the
// status and a reason phrase that says why), and answers or routes the rest. Requests it
// answers itself run in a server transaction (server_transactions.h) so retransmissions get
// the same answer; otherwise the handler keeps no per-message state beyond the registrar and
// the stores, and every worker thread calls it concurrently.
#include "config/config.h"
#include "crypto/credentials.h"
#include "edge/challenge_policy.h"
#include "edge/client_transactions.h"
#include "edge/retransmitter.h"
#include "edge/server_transactions.h"
#include "net/flow.h"
#include "sip/message.h"
#include "sip/parser.h"
#include "sip/validation.h"

#include <memory>
#include <string>

namespace imsguard::guard {
class Chain;
struct Context;
}  // namespace imsguard::guard

namespace imsguard::edge {

class Registrar;
class Proxy;

struct EdgeCounters;

class Edge final : public net::MessageHandler {
 public:
  // `registrar` may be null: REGISTER is then refused with 503 (no core configured).
  Edge(const config::Config& config, Registrar* registrar);
  ~Edge() override;

  void on_message(const net::Flow& flow, std::string_view bytes, net::Responder& reply) override;
  void on_stream_error(const net::Flow& flow, int code, std::string_view reason, net::Responder& reply) override;
  // A flow that authenticated (the guard chain's table): kept when the connection table is full.
  bool flow_registered(const net::Flow& flow) override;
  // The defence chain (guard/chain.h); null: no guards.
  void set_guards(guard::Chain* guards) { guards_ = guards; }
  // Stops the transaction timers (retransmissions): before the transports they send on stop.
  void stop_timers() { timers_.stop_thread(); }

 private:
  // True for a REGISTER without credentials that the embedded registrar will challenge:
  // answered without a server transaction (RFC 3261 8.2.7).
  bool answered_statelessly(const net::Flow& flow, const sip::Message& msg) const;
  // `transaction`: the server transaction the request opened (empty when untracked).
  void handle_request(const net::Flow& flow, const sip::Message& msg, net::Responder& reply,
                      const guard::Context* guard_ctx, const TransactionKey& transaction);
  void respond(const sip::Message& request, int code, std::string_view reason, net::Responder& reply,
               std::span<const std::pair<std::string_view, std::string_view>> extra = {});

  // The timers send through the registrar's sender, which the node sets after building us.
  class RegistrarSender final : public net::FlowSender {
   public:
    explicit RegistrarSender(Registrar* registrar) : registrar_(registrar) {}
    bool send_to(const net::Flow& flow, std::string_view bytes) override;

   private:
    Registrar* registrar_;
  };

  const config::Config& config_;
  Registrar* registrar_;
  std::unique_ptr<Proxy> proxy_;
  sip::Limits limits_;
  sip::ValidationPolicy proxy_policy_;
  sip::ValidationPolicy registrar_policy_;
  std::string allow_;
  EdgeCounters& counters_;
  guard::Chain* guards_ = nullptr;
  ChallengePolicy challenge_policy_{config_};
  RegistrarSender timer_sender_;
  Retransmitter timers_;
  ClientTransactions client_transactions_;
  ServerTransactions transactions_;
};

}  // namespace imsguard::edge
