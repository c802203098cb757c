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
#include "edge/message_trace.h"
#include "edge/retransmitter.h"
#include "edge/server_transactions.h"
#include "net/flow.h"
#include "ops/counters.h"
#include "ops/events.h"
#include "sip/message.h"
#include "sip/parser.h"
#include "sip/validation.h"

#include <functional>
#include <memory>
#include <string>

namespace imsguard::guard {
class Chain;
struct Context;
}  // namespace imsguard::guard

namespace imsguard::edge {

class Registrar;
class Proxy;
class ServiceRouter;
class RequestChallenge;

struct EdgeCounters;

// What an Edge works with, built by the composition root (src/app, or a test with fakes)
// and passed whole to the constructor: nothing is set on an Edge after it is built.
struct EdgeDeps {
  // The embedded core's registrar; null: REGISTER is refused with 503 (no core configured).
  Registrar* registrar = nullptr;
  // The defence chain (guard/chain.h); null: no guards.
  guard::Chain* guards = nullptr;
  // Where relayed requests, answers and the transaction timers' retransmissions and 408s go
  // (the transports: net::Server); null: nothing is sent.
  net::FlowSender* sender = nullptr;
  // I-S routing of service URIs (src/service); null: no service routing.
  ServiceRouter* services = nullptr;
  // The node's counter registry and security event sink (app::Node owns them, a test its
  // own); required.
  ops::CounterRegistry* metrics = nullptr;
  ops::EventSink* events = nullptr;
  // Milliseconds on a monotonic clock for the transaction tables and their timers; empty:
  // steady_clock. Tests pass a fake one.
  std::function<int64_t()> clock;
};

class Edge final : public net::MessageHandler {
 public:
  Edge(const config::Config& config, EdgeDeps deps);
  ~Edge() override;

  void on_message(const net::Flow& flow, std::string_view bytes, net::Responder& reply) override;
  void on_stream_error(const net::Flow& flow, int code, std::string_view reason, net::Responder& reply) override;
  // A flow that authenticated (the guard chain's table): kept when the connection table is full.
  bool flow_registered(const net::Flow& flow) override;
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

  // Sends `response` on `flow` and records it in `transaction` (a service's late answer).
  void late_reply(const net::Flow& flow, const TransactionKey& transaction, std::string_view response);

  Registrar* registrar_;
  net::FlowSender* sender_;
  ServiceRouter* services_;
  std::unique_ptr<Proxy> proxy_;
  // 407 for out-of-dialog requests of UDP flows (auth.challenge_udp_requests), with the
  // embedded registrar only: it holds the credentials.
  std::unique_ptr<RequestChallenge> request_challenge_;
  sip::Limits limits_;
  sip::ValidationPolicy proxy_policy_;
  sip::ValidationPolicy registrar_policy_;
  std::string allow_;
  std::unique_ptr<EdgeCounters> owned_counters_;
  EdgeCounters& counters_;
  ops::EventSink& events_;
  guard::Chain* guards_;
  ChallengePolicy challenge_policy_;
  // Every send of the edge (relays, late answers, timers) goes through the message trace of
  // log.level debug (edge/message_trace.h).
  TracingSender traced_sender_;
  Retransmitter timers_;
  ClientTransactions client_transactions_;
  ServerTransactions transactions_;
};

}  // namespace imsguard::edge
