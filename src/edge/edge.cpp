#include "edge/edge.h"

#include "edge/message_trace.h"
#include "edge/proxy.h"
#include "edge/received_from.h"
#include "edge/registrar.h"
#include "edge/service_router.h"
#include "edge/request_challenge.h"
#include "guard/chain.h"
#include "ops/counters.h"
#include "ops/episodes.h"
#include "sip/parser.h"
#include "sip/response.h"
#include "sip/uri.h"

#include <spdlog/spdlog.h>

#include <array>

namespace imsguard::edge {

// Counters of the edge's own decisions; the guards and transports count theirs.
struct EdgeCounters {
  explicit EdgeCounters(ops::CounterRegistry& registry) : m(registry) {}
  ops::CounterRegistry& m;  // first: the members below are made from it
  ops::Counter& parsed = m.get("imsguard_edge_messages_total{outcome=\"parsed\"}", "messages by outcome");
  ops::Counter& rejected_parse = m.get("imsguard_edge_messages_total{outcome=\"rejected_parse\"}");
  ops::Counter& dropped_parse = m.get("imsguard_edge_messages_total{outcome=\"dropped_parse\"}");
  ops::Counter& rejected_sanity = m.get("imsguard_edge_messages_total{outcome=\"rejected_sanity\"}");
  ops::Counter& responses_absorbed = m.get("imsguard_edge_messages_total{outcome=\"response_absorbed\"}");
  // One counter per method (kUnknown counts as "other"), indexed by sip::Method.
  std::array<ops::Counter*, 15> requests = make_request_counters(m);
  ops::Counter& request(sip::Method method) {
    return *requests[static_cast<size_t>(method) < requests.size() ? static_cast<size_t>(method) : 0];
  }

  static std::array<ops::Counter*, 15> make_request_counters(ops::CounterRegistry& m) {
    std::array<ops::Counter*, 15> out{};
    for (size_t i = 0; i < out.size(); ++i) {
      std::string_view name = sip::method_name(static_cast<sip::Method>(i));
      out[i] = &m.get("imsguard_edge_requests_total{method=\"" + std::string(name.empty() ? "other" : name) + "\"}",
                      "requests that passed the guards, by method");
    }
    return out;
  }
  ops::Counter& unregistered = m.get("imsguard_edge_refused_total{reason=\"not_registered\"}", "requests refused by the edge");
  ops::Counter& stream_errors = m.get("imsguard_edge_stream_errors_total",
                                                    "stream framing errors (the connection is closed without an answer)");
  // REGISTERs without credentials answered with a 401 challenge and no server transaction.
  ops::Counter& stateless = m.get("imsguard_edge_transactions_total{event=\"stateless_unauthenticated_register\"}");
};

namespace {

// Counts the 401 challenges that pass through it (the stateless REGISTER path).
class ChallengeCounting final : public net::Responder {
 public:
  ChallengeCounting(net::Responder& inner, ops::Counter& challenges) : inner_(inner), challenges_(challenges) {}
  void send(std::string_view bytes) override {
    if (bytes.starts_with("SIP/2.0 401 ")) challenges_.inc();
    inner_.send(bytes);
  }

 private:
  net::Responder& inner_;
  ops::Counter& challenges_;
};

constexpr std::string_view kAllow = "REGISTER, INVITE, ACK, BYE, CANCEL, OPTIONS, MESSAGE, PRACK, UPDATE, INFO, REFER";

}  // namespace

Edge::Edge(const config::Config& config, EdgeDeps deps)
    : registrar_(deps.registrar),
      sender_(&traced_sender_),
      services_(deps.services),
      owned_counters_(std::make_unique<EdgeCounters>(*deps.metrics)),
      counters_(*owned_counters_),
      events_(*deps.events),
      guards_(deps.guards),
      challenge_policy_(config),
      traced_sender_(deps.sender),
      timers_(&traced_sender_, {config.sip.timers.t1_ms, config.sip.timers.t2_ms}, config.sip.max_client_transactions,
              deps.clock ? deps.clock : Retransmitter::Clock(&Retransmitter::steady_now_ms)),
      client_transactions_(timers_, &transactions_, config.sip.timers.c_ms, *deps.metrics),
      transactions_(*deps.metrics, config.sip.max_transactions, 64 * int64_t{config.sip.timers.t1_ms}, &timers_, deps.clock) {
  limits_.max_message_bytes = config.sip.limits.max_message_bytes;
  limits_.max_headers = config.sip.limits.max_headers;
  limits_.max_header_bytes = config.sip.limits.max_header_bytes;
  limits_.max_via = config.sip.limits.max_via;
  proxy_policy_.role = sip::Role::kProxy;
  registrar_policy_.role = sip::Role::kRegistrar;
  allow_ = std::string(kAllow);
  if (registrar_)
    proxy_ = std::make_unique<Proxy>(config, *registrar_,
                                     ProxyDeps{&traced_sender_, &client_transactions_, deps.metrics, deps.events});
  if (proxy_ && !proxy_->external_core()) {
    request_challenge_ = std::make_unique<RequestChallenge>(config, registrar_->authenticator(), *deps.metrics, *deps.events);
    request_challenge_->set_guards(guards_);
  }
  timers_.start();
}

// The timer thread calls back into the transaction tables (the 408 of Timer B/F, Timer C),
// which are destroyed before the retransmitter: it stops first.
Edge::~Edge() { timers_.stop_thread(); }

void Edge::respond(const sip::Message& request, int code, std::string_view reason, net::Responder& reply,
                   std::span<const std::pair<std::string_view, std::string_view>> extra) {
  reply.send(sip::make_response(request, code, reason, extra));
}

void Edge::on_message(const net::Flow& flow, std::string_view bytes, net::Responder& wire) {
  // Guard hook 1: raw bytes, before any parsing (ban list, flood).
  std::optional<guard::Chain::Inflight> inflight;
  std::optional<guard::Context> guard_ctx;
  if (guards_) {
    inflight.emplace(guards_->load_tracker());
    guard_ctx.emplace(guards_->context(flow));
    if (guards_->on_raw(*guard_ctx, bytes).stops()) return;
  }
  // log.level debug/trace: the message trace, what comes in and what goes back.
  std::optional<TracingResponder> traced;
  if (spdlog::should_log(spdlog::level::debug)) {
    trace_received(flow, bytes);
    traced.emplace(wire, flow);
  }
  net::Responder& reply = traced ? static_cast<net::Responder&>(*traced) : wire;
  thread_local sip::Message msg;
  sip::ParseResult parsed = flow.transport == config::Transport::kUdp ? sip::parse_datagram(bytes, limits_, msg)
                                                                      : sip::parse_stream_message(bytes, limits_, msg);
  if (parsed.status == sip::ParseStatus::kDrop) {
    counters_.dropped_parse.inc();
    return;
  }
  // Every answer and relayed copy of a request carries its source in the top Via
  // (received/rport): make_response and MessageWriter read it from the Message.
  if (msg.is_request()) msg.set_received_from(received_from(flow));
  if (parsed.status == sip::ParseStatus::kReject) {
    counters_.rejected_parse.inc();
    std::string src = flow.to_string();
    ops::emit_episode(events_, {"parse", src, "", "reject", parsed.reason}, flow.address.to_string());
    // A request we could not parse may still carry enough (Via, Call-ID, CSeq) to be
    // answered; make_response copies whatever is there.
    if (msg.is_request()) respond(msg, parsed.code, parsed.reason, reply);
    return;
  }
  counters_.parsed.inc();
  if (!msg.is_request()) {
    // Answers to requests we relayed go back through our Via; anything else is absorbed.
    if (proxy_) proxy_->forward_response(flow, msg);
    else counters_.responses_absorbed.inc();
    return;
  }
  // A REGISTER for the embedded registrar has its credentials read here, once: the guards
  // and the authenticator then judge the same identity and the same nonce (issue 17 F1).
  std::optional<crypto::RequestCredentials> credentials;
  if (msg.method() == sip::Method::kRegister && registrar_ && !(proxy_ && proxy_->external_core())) {
    credentials.emplace(registrar_->authenticator().read(msg, sip::HeaderId::kAuthorization, msg.received_from().address()));
    if (guard_ctx) guard_ctx->credentials = &*credentials;
  }
  const guard::Context* ctx = guard_ctx ? &*guard_ctx : nullptr;
  if (answered_statelessly(flow, msg)) {
    // Counted when the challenge leaves: a REGISTER the guards drop or refuse, or the
    // validation rejects, was not answered statelessly with a challenge (issue 19 point 7).
    ChallengeCounting counted(reply, counters_.stateless);
    handle_request(flow, msg, counted, ctx, TransactionKey{});
    return;
  }
  auto opened = transactions_.open(flow, msg, reply);
  switch (opened.match) {
    case ServerTransactions::Match::kAbsorbed:
      return;
    case ServerTransactions::Match::kNew: {
      RecordingResponder recording(reply, transactions_, opened.key);
      handle_request(flow, msg, recording, ctx, opened.key);
      return;
    }
    case ServerTransactions::Match::kRelay:
    case ServerTransactions::Match::kUntracked:
      handle_request(flow, msg, reply, ctx, opened.key);
      return;
  }
}

bool Edge::answered_statelessly(const net::Flow& flow, const sip::Message& msg) const {
  // RFC 3261 8.2.7: a request without credentials that the embedded registrar challenges is
  // answered as a stateless UAS would. A retransmission gets a fresh challenge (as valid as
  // the first, and with the same To tag: it is derived from the Call-ID), and a flood of
  // unauthenticated REGISTERs from forged sources creates no transaction state that would
  // push out the transactions of registered users. A REGISTER with credentials keeps its
  // transaction: its retransmission must get the stored answer, not a nonce-count replay.
  return flow.transport == config::Transport::kUdp && msg.method() == sip::Method::kRegister && registrar_ &&
         !(proxy_ && proxy_->external_core()) && !msg.has(sip::HeaderId::kAuthorization);
}

void Edge::handle_request(const net::Flow& flow, const sip::Message& msg, net::Responder& reply,
                          const guard::Context* guard_ctx, const TransactionKey& transaction) {
  const auto& policy = msg.method() == sip::Method::kRegister ? registrar_policy_ : proxy_policy_;
  if (auto verdict = sip::check_request(msg, policy)) {
    counters_.rejected_sanity.inc();
    std::string src = flow.to_string();
    ops::emit_episode(events_, {"sanity", src, "", "reject", verdict->reason}, flow.address.to_string());
    std::vector<std::pair<std::string_view, std::string_view>> extra;
    for (const auto& [name, value] : verdict->headers) extra.emplace_back(name, value);
    respond(msg, verdict->code, verdict->reason, reply, extra);
    return;
  }
  // The external S-CSCF and the peer edges are the trusted peers: their requests go to the
  // client named by our flow token in their Route, and nowhere else.
  if (proxy_ && (proxy_->from_core(flow) || proxy_->trusted_peer(flow, msg))) {
    transactions_.relayed(transaction);
    proxy_->deliver_from_core(flow, msg, reply);
    return;
  }
  // Guard hook 2: a well-formed request (scanner, rate limits, lockout, overload).
  if (guards_ && guard_ctx) {
    guard::Verdict v = guards_->on_request(*guard_ctx, msg);
    if (v.action == guard::Action::kDrop) return;
    if (v.action == guard::Action::kReject) {
      std::string retry = std::to_string(v.retry_after_s);
      const std::pair<std::string_view, std::string_view> extra[] = {{"Retry-After", retry}};
      respond(msg, v.code, v.reason, reply, v.retry_after_s ? std::span(extra) : std::span(extra).first(0));
      return;
    }
  }
  counters_.request(msg.method()).inc();
  switch (msg.method()) {
    case sip::Method::kAck:
      // The ACK of a non-2xx answer of ours ended in its INVITE transaction already; an
      // ACK for a 2xx is its own request and follows the dialog, like any other.
      break;
    case sip::Method::kOptions: {
      // OPTIONS for a user is routed like any request; only OPTIONS for the edge itself
      // (no user part: a keep-alive or capability query) is answered here.
      auto ruri = sip::parse_uri(msg.request_uri());
      if (ruri && ruri->has_user) break;
      const std::pair<std::string_view, std::string_view> extra[] = {
          {"Allow", allow_}, {"Accept", "application/sdp"}, {"Supported", "path, outbound"}};
      respond(msg, 200, "OK", reply, extra);
      return;
    }
    case sip::Method::kRegister:
      if (!registrar_) {
        const std::pair<std::string_view, std::string_view> extra[] = {{"Retry-After", "30"}};
        respond(msg, 503, "Service Unavailable (no registrar configured)", reply, extra);
        return;
      }
      if (proxy_ && proxy_->external_core()) {
        transactions_.relayed(transaction);
        proxy_->forward_register(flow, msg, reply);
        return;
      }
      if (challenge_policy_.md5_only(msg)) {
        Md5OnlyResponder md5_only(reply);  // auth.md5_only_user_agents
        registrar_->handle_register(flow, msg, md5_only, guard_ctx, proxy_.get());
        return;
      }
      registrar_->handle_register(flow, msg, reply, guard_ctx, proxy_.get());
      return;
    default:
      break;
  }
  if (registrar_) {
    if (auto identity = registrar_->identity_for(flow, msg)) {
      // A UDP source can be forged: what opens something new proves its sender first (407).
      if (request_challenge_ && request_challenge_->applies(flow, msg)) {
        bool admitted;
        if (challenge_policy_.md5_only(msg)) {
          Md5OnlyResponder md5_only(reply);  // auth.md5_only_user_agents, as for REGISTER
          admitted = request_challenge_->admit(flow, *identity, msg, md5_only, guard_ctx);
        } else {
          admitted = request_challenge_->admit(flow, *identity, msg, reply, guard_ctx);
        }
        if (!admitted) return;
      }
      transactions_.relayed(transaction);
      // A service URI goes to the I-S router (which may answer later, off this worker).
      if (services_ &&
          services_->route(flow, *identity, msg, reply, [this, flow, transaction](std::string_view response) {
            late_reply(flow, transaction, response);
          }))
        return;
      proxy_->forward_request(flow, *identity, msg, reply);
      return;
    }
  }
  counters_.unregistered.inc();
  std::string src = flow.to_string();
  ops::emit_episode(events_, {"edge", src, "", "reject", "request from a flow that is not registered"},
                    flow.address.to_string());
  if (msg.method() == sip::Method::kAck) return;  // never answered (RFC 3261 17.2.1)
  respond(msg, 403, "Forbidden (register first)", reply);
}

void Edge::late_reply(const net::Flow& flow, const TransactionKey& transaction, std::string_view response) {
  transactions_.responded(transaction, response);
  if (sender_) sender_->send_to(flow, response);
}

bool Edge::flow_registered(const net::Flow& flow) {
  return guards_ && guards_->registered_flows().contains(guard::hash_flow(flow), guards_->now_ms());
}

void Edge::on_stream_error(const net::Flow& flow, int code, std::string_view reason, net::Responder& reply) {
  counters_.stream_errors.inc();
  std::string src = flow.to_string();
  ops::emit_episode(events_, {"framing", src, "", "close", reason}, flow.address.to_string());
  // Without a parsed request there is no Via to answer to: a bare status line would be
  // unroutable, so the connection is just closed (RFC 4475 3.1.2.2 / 3.1.2.3 for streams).
  (void)code;
  (void)reply;
}

}  // namespace imsguard::edge
