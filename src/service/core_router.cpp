#include "service/core_router.h"

#include <chrono>

#include "edge/edge_address.h"
#include "edge/topology_hiding.h"
#include "media/sdes_strip.h"
#include "ops/counters.h"
#include "ops/episodes.h"
#include "ops/events.h"
#include "sip/parser.h"
#include "sip/response.h"
#include "sip/uri.h"
#include "sip/writer.h"

namespace imsguard::service {
namespace {

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The edge's address the subscriber's flow reached, as a loose route: in-dialog requests
// of a service dialog (BYE) must come back through the edge, since the service's Contact
// (sip:<service>@services.<domain>) names no host a client can reach. A listener on 0.0.0.0
// or :: names the address the request arrived at (edge/edge_address.h), never the wildcard.
std::string edge_record_route(const config::Config& config, const net::Flow& flow) {
  std::string route = "<sip:services@" + edge::edge_hostport(config, flow);
  if (flow.transport != config::Transport::kUdp) route += ";transport=" + std::string(config::transport_name(flow.transport));
  return route + ";lr>";
}

// The flow's IP as text, an IPv4-mapped IPv6 address as IPv4 (what the box can send to).
std::string signalling_ip(const net::Flow& flow) {
  if (flow.address.is_v6() && flow.address.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, flow.address.to_v6()).to_string();
  return flow.address.to_string();
}

}  // namespace

struct CoreRouter::Counters {
  explicit Counters(ops::CounterRegistry& r) : registry(r) {}
  ops::CounterRegistry& registry;  // first: the members below are made from it
  ops::Counter& refused = registry.get("imsguard_service_requests_total{outcome=\"refused\"}",
                                       "requests to a service refused by the core (profile, barred, method)");
  ops::Counter& tokens = registry.get("imsguard_service_requests_total{outcome=\"token_issued\"}",
                                      "content tokens issued over signaling");
  ops::Counter& refused_plain = registry.get("imsguard_service_requests_total{outcome=\"token_refused_plain_flow\"}",
                                             "content token requests refused because the flow is not TLS");
  ops::Counter& relayed = registry.get("imsguard_service_requests_total{outcome=\"relayed\"}");
  ops::Counter& failed = registry.get("imsguard_service_requests_total{outcome=\"servicebox_failed\"}");
  ops::Counter& busy = registry.get("imsguard_service_requests_total{outcome=\"queue_full\"}",
                                    "requests refused at once: every exchange slot with the service box taken");
  ops::Counter& policed_identity =
      registry.get("imsguard_service_assertions_policed_total{kind=\"identity\"}",
                   "service answers refused or cleaned: identities (refused) or headers (removed) it may not assert");
  ops::Counter& policed_header = registry.get("imsguard_service_assertions_policed_total{kind=\"header\"}");
  // The same series as the edge's relay: SDES keys removed because a hop was not TLS.
  ops::Counter& sdes_stripped =
      registry.get("imsguard_sdes_stripped_total", "SDP bodies whose a=crypto keys were removed on a hop without TLS");
};

CoreRouter::CoreRouter(const config::Config& config, store::SubscriberStore& subscribers,
                       ops::CounterRegistry& metrics, ops::EventSink& events)
    : config_(config),
      subscribers_(subscribers),
      hidden_(metrics),
      events_(events),
      counters_(std::make_unique<Counters>(metrics)),
      services_host_("services." + config.sip.domain) {}

StatusOr<std::unique_ptr<CoreRouter>> CoreRouter::create(const config::Config& config, const ServiceNodeFiles& files,
                                                         const std::string& core_key,
                                                         store::SubscriberStore& subscribers,
                                                         ops::CounterRegistry& metrics, ops::EventSink& events) {
  std::unique_ptr<CoreRouter> r(new CoreRouter(config, subscribers, metrics, events));
  r->catalog_ = std::make_unique<ServiceCatalog>(config.servicebox, config.sip.domain);
  if (Status valid = r->catalog_->validate(); !valid.ok()) return valid;
  auto key = Es256Key::load_private(core_key);
  if (!key.ok()) return key.status();
  r->gate_ = std::make_unique<ServiceGate>(*r->catalog_, *key, "https://" + config.sip.domain + "/core.crt",
                                           config.servicebox.token_lifetime_s);
  auto client = ServiceClient::create(metrics, files, core_key, config.servicebox.sip_listen);
  if (!client.ok()) return client.status();
  r->client_ = std::move(client).value();
  for (size_t i = 0; i < kThreads; ++i) r->threads_.emplace_back([router = r.get()] { router->run(); });
  return r;
}

// What a relayed request needs once the SIP worker has moved on: the request's own bytes
// (its Message was a view into the worker's buffer), what to send to the box, and how to
// answer.
struct CoreRouter::Exchange {
  net::Flow flow;
  std::string request;  // the subscriber's request as received
  sip::ReceivedFrom received_from;
  std::string outgoing;  // signed, for the box
  std::string impi, service;
  edge::LateReply late;
};

CoreRouter::~CoreRouter() { stop(); }

void CoreRouter::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void CoreRouter::run() {
  for (;;) {
    std::unique_ptr<Exchange> x;
    bool stopping = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      x = std::move(queue_.front());
      queue_.pop_front();
      stopping = stopping_;
    }
    // At stop what still waits is answered 503 at once, not sent to the box one by one.
    relay(*x, stopping);
  }
}

bool CoreRouter::route(const net::Flow& flow, const edge::FlowIdentity& identity, const sip::Message& msg,
                       net::Responder& reply, const edge::LateReply& late) {
  auto ruri = sip::parse_uri(msg.request_uri());
  if (!ruri || !ruri->is_sip() || ruri->host != services_host_) return false;
  if (msg.method_name() == "ACK") return true;  // stateless: nothing to answer
  std::string service = ruri->user_unescaped();
  std::string source = flow.to_string();

  auto sub = subscribers_.find(identity.impi);
  std::vector<std::string> profile;
  bool barred = true;  // unknown or unreadable subscriber: fail closed
  if (sub.ok() && sub.value().has_value()) {
    profile = sub.value()->services;
    barred = sub.value()->barred;
  }
  auto decision = gate_->authorize(profile, barred, service, msg.method_name());
  if (!decision.allowed) {
    counters_->refused.inc();
    ops::emit_episode(events_, {"service", source, identity.impi, "reject", decision.reason + " (" + service + ")"},
                      identity.impi + " " + service);
    reply.send(sip::make_response(msg, decision.code, sip::default_reason(decision.code), {}, "core"));
    return true;
  }
  std::string impu = identity.impus.empty() ? "sip:" + identity.impi : identity.impus.front();
  const ServiceEntry* entry = catalog_->find(service);
  if (entry->is_content()) {
    // A content token is a bearer credential: whoever reads it fetches the content. It goes
    // back only on a TLS flow; over UDP or TCP anyone on the path would read it (F18).
    if (flow.transport != config::Transport::kTls) {
      counters_->refused_plain.inc();
      ops::emit_episode(events_, {"service", source, identity.impi, "reject",
                         "content token refused: bearer tokens are only issued over TLS (" + service + ")"},
                        identity.impi + " plain " + service);
      reply.send(sip::make_response(msg, 403, "Forbidden (content tokens are only issued over TLS)", {}, "core"));
      return true;
    }
    std::string token = gate_->issue_token(impu, service, unix_now());
    counters_->tokens.inc();
    sip::HeaderPair extra[] = {{kContentTokenHeader, token}};
    reply.send(sip::make_response(msg, 200, "OK", extra, "core"));
    return true;
  }

  // The flow's address goes into the signed assertion: the box streams media only there.
  auto assertion = gate_->sign(impu, entry->identity, service, unix_now(), signalling_ip(flow));
  sip::MessageWriter w(msg);
  w.remove_all(sip::HeaderId::kPAssertedIdentity);
  w.remove_all(sip::HeaderId::kPPreferredIdentity);
  w.remove_all("Identity");
  uint32_t mf = msg.max_forwards().value_or(71);
  w.replace_header(sip::HeaderId::kMaxForwards, std::to_string(mf > 0 ? mf - 1 : 0));
  w.add_header("P-Asserted-Identity", assertion.asserted);
  w.add_header("Identity", assertion.identity);
  // SDES keys that crossed the subscriber's hop in clear are no secret: the box must not key
  // SRTP with them (media.sdes_requires_tls). The core-box hop itself is mutual TLS.
  // Media types compare as RFC 2045/7231 say and multipart parts count (media/sdes_strip.h).
  if (config_.media.sdes_requires_tls && flow.transport != config::Transport::kTls && !msg.body().empty()) {
    auto stripped = media::strip_sdes_from_message(msg);
    if (stripped.verdict == media::SdesVerdict::kRefused) {
      // A body that might hold keys but cannot be read is refused, never relayed.
      counters_->sdes_stripped.inc();
      ops::emit_episode(events_, {"media", source, identity.impi, "reject", "body refused: " + stripped.reason}, source + " body");
      reply.send(sip::make_response(msg, stripped.code, std::string(sip::default_reason(stripped.code)) + " (" +
                                                             stripped.reason + ")",
                                    {}, "core"));
      return true;
    }
    if (stripped.verdict == media::SdesVerdict::kStripped) {
      w.set_body(stripped.content_type, stripped.body);
      counters_->sdes_stripped.inc();
      ops::emit_episode(events_, {"media", source, identity.impi, "strip", "a=crypto removed: SDES keys on a hop without TLS"},
                        source + " sdes");
    }
  }
  auto x = std::make_unique<Exchange>();
  x->flow = flow;
  x->request.assign(msg.raw());
  x->received_from = msg.received_from();
  x->outgoing = w.str();
  x->impi = identity.impi;
  x->service = service;
  x->late = late;
  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && queue_.size() < kMaxQueued) {
      queue_.push_back(std::move(x));
      wake_.notify_one();
      return true;
    }
  }
  counters_->busy.inc();
  ops::emit_episode(events_, {"service", source, identity.impi, "reject", "servicebox: every exchange slot busy (" + service + ")"},
                    "servicebox busy");
  const std::pair<std::string_view, std::string_view> extra[] = {{"Retry-After", "5"}};
  reply.send(sip::make_response(msg, 503, "Service Unavailable (service box busy)", extra, "core"));
  return true;
}

void CoreRouter::relay(Exchange& x, bool give_up) {
  sip::Limits limits;
  limits.max_message_bytes = config_.sip.limits.max_message_bytes;
  limits.max_headers = config_.sip.limits.max_headers;
  limits.max_header_bytes = config_.sip.limits.max_header_bytes;
  limits.max_via = config_.sip.limits.max_via;
  sip::Message msg;
  if (sip::parse_datagram(x.request, limits, msg).status != sip::ParseStatus::kOk) {
    counters_->failed.inc();  // the edge parsed the same bytes with the same limits: not expected
    return;
  }
  msg.set_received_from(x.received_from);
  const net::Flow& flow = x.flow;
  const std::string source = flow.to_string();
  const std::string& service = x.service;
  struct Late final : net::Responder {
    explicit Late(const edge::LateReply& f) : fn(f) {}
    void send(std::string_view bytes) override { fn(bytes); }
    const edge::LateReply& fn;
  } reply(x.late);
  const ServiceEntry* entry = catalog_->find(service);
  if (give_up) {
    const std::pair<std::string_view, std::string_view> extra[] = {{"Retry-After", "5"}};
    reply.send(sip::make_response(msg, 503, "Service Unavailable (stopping)", extra, "core"));
    return;
  }
  auto result = client_->exchange(x.outgoing);
  if (!result.ok()) {
    counters_->failed.inc();
    ops::emit_episode(events_, {"service", source, x.impi, "reject", "servicebox: " + result.message()}, "servicebox");
    reply.send(sip::make_response(msg, 503, "Service Unavailable", {}, "core"));
    return;
  }
  sip::Message answer;
  if (sip::parse_stream_message(result.value(), {}, answer).status != sip::ParseStatus::kOk ||
      answer.is_request()) {
    counters_->failed.inc();
    reply.send(sip::make_response(msg, 502, "Bad Gateway", {}, "core"));
    return;
  }
  auto policing = gate_->police_response(service, answer);
  if (!policing.refused_identities.empty()) {
    // A service claiming an identity it was not given is misconfigured or compromised: its
    // answer does not reach the subscriber at all.
    counters_->policed_identity.inc();
    std::string ids;
    for (const auto& id : policing.refused_identities) ids += (ids.empty() ? "" : ", ") + id;
    ops::emit_episode(events_, {"service", "servicebox", service, "reject",
                       "service asserted an identity it may not (" + ids + "); answer refused"},
                      service + " identity");
    reply.send(sip::make_response(msg, 502, "Bad Gateway", {}, "core"));
    return;
  }
  sip::MessageWriter out(answer);
  for (const auto& name : policing.removed) out.remove_all(name);
  // Bearer credentials never go back on a plain flow, whatever a service's allowed_headers say.
  if (flow.transport != config::Transport::kTls) out.remove_all(kContentTokenHeader);
  if (!policing.removed.empty()) {
    counters_->policed_header.inc();
    std::string names;
    for (const auto& n : policing.removed) names += (names.empty() ? "" : ", ") + n;
    ops::emit_episode(events_, {"service", "servicebox", service, "strip", "service set headers it may not: " + names},
                      service + " headers");
  }
  if (!policing.asserted) out.add_header("P-Asserted-Identity", "<" + entry->identity + ">");
  // The box's address and software stay behind the core (identity.topology_hiding).
  edge::hide_service_answer(hidden_, config_, out, answer, service_uri(service, config_.sip.domain));
  bool dialog_created = msg.method_name() == "INVITE" && answer.status_code() >= 200 && answer.status_code() < 300;
  if (auto to = msg.to(); dialog_created && to && to->tag().empty())
    out.prepend_header("Record-Route", edge_record_route(config_, flow));
  counters_->relayed.inc();
  reply.send(out.str());
}

}  // namespace imsguard::service
