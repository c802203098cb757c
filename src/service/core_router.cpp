#include "service/core_router.h"

#include <chrono>

#include "media/sdes_strip.h"
#include "ops/counters.h"
#include "ops/events.h"
#include "sip/parser.h"
#include "sip/response.h"
#include "sip/uri.h"
#include "sip/writer.h"

namespace imsguard::service {
namespace {

struct RouterCounters {
  ops::Counter& refused = ops::counters().get("imsguard_service_requests_total{outcome=\"refused\"}",
                                              "requests to a service refused by the core (profile, barred, method)");
  ops::Counter& tokens = ops::counters().get("imsguard_service_requests_total{outcome=\"token_issued\"}",
                                             "content tokens issued over signaling");
  ops::Counter& refused_plain =
      ops::counters().get("imsguard_service_requests_total{outcome=\"token_refused_plain_flow\"}",
                          "content token requests refused because the flow is not TLS");
  ops::Counter& relayed = ops::counters().get("imsguard_service_requests_total{outcome=\"relayed\"}");
  ops::Counter& failed = ops::counters().get("imsguard_service_requests_total{outcome=\"servicebox_failed\"}");
  ops::Counter& policed_identity =
      ops::counters().get("imsguard_service_assertions_policed_total{kind=\"identity\"}",
                          "service answers refused or cleaned: identities (refused) or headers (removed) it may not assert");
  ops::Counter& policed_header = ops::counters().get("imsguard_service_assertions_policed_total{kind=\"header\"}");
  // The same series as the edge's relay: SDES keys removed because a hop was not TLS.
  ops::Counter& sdes_stripped = ops::counters().get("imsguard_sdes_stripped_total",
                                                    "SDP bodies whose a=crypto keys were removed on a hop without TLS");
};

RouterCounters& counters() {
  static RouterCounters c;
  return c;
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The edge's listener the subscriber's flow arrived on, as a loose route: in-dialog requests
// of a service dialog (BYE) must come back through the edge, since the service's Contact
// (sip:<service>@services.<domain>) names no host a client can reach.
std::string edge_record_route(const config::Config& config, const net::Flow& flow) {
  const config::Listener* chosen = nullptr;
  for (const auto& l : config.sip.listen) {
    if (l.transport != flow.transport) continue;
    if (!chosen || l.port == flow.local_port) chosen = &l;
  }
  std::string host = chosen ? chosen->address : "127.0.0.1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  uint16_t port = chosen ? chosen->port : flow.local_port;
  std::string route = "<sip:services@" + host + ":" + std::to_string(port);
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

CoreRouter::CoreRouter(const config::Config& config, store::SubscriberStore& subscribers)
    : config_(config), subscribers_(subscribers), services_host_("services." + config.sip.domain) {}

std::unique_ptr<CoreRouter> CoreRouter::create(const config::Config& config, const ServiceNodeFiles& files,
                                               const std::string& core_key, store::SubscriberStore& subscribers,
                                               std::string& error) {
  std::unique_ptr<CoreRouter> r(new CoreRouter(config, subscribers));
  r->catalog_ = std::make_unique<ServiceCatalog>(config.servicebox, config.sip.domain);
  if (error = r->catalog_->validate(); !error.empty()) return nullptr;
  auto key = Es256Key::load_private(core_key, &error);
  if (!key) return nullptr;
  r->gate_ = std::make_unique<ServiceGate>(*r->catalog_, *key, "https://" + config.sip.domain + "/core.crt",
                                           config.servicebox.token_lifetime_s);
  r->client_ = ServiceClient::create(files, core_key, config.servicebox.sip_listen, error);
  if (!r->client_) return nullptr;
  return r;
}

bool CoreRouter::route(const net::Flow& flow, const edge::FlowIdentity& identity, const sip::Message& msg,
                       net::Responder& reply) {
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
    counters().refused.inc();
    ops::events().emit({"service", source, identity.impi, "reject", decision.reason + " (" + service + ")"});
    reply.send(sip::make_response(msg, decision.code, sip::default_reason(decision.code), {}, "core"));
    return true;
  }
  std::string impu = identity.impus.empty() ? "sip:" + identity.impi : identity.impus.front();
  const ServiceEntry* entry = catalog_->find(service);
  if (entry->is_content()) {
    // A content token is a bearer credential: whoever reads it fetches the content. It goes
    // back only on a TLS flow; over UDP or TCP anyone on the path would read it (F18).
    if (flow.transport != config::Transport::kTls) {
      counters().refused_plain.inc();
      ops::events().emit({"service", source, identity.impi, "reject",
                          "content token refused: bearer tokens are only issued over TLS (" + service + ")"});
      reply.send(sip::make_response(msg, 403, "Forbidden (content tokens are only issued over TLS)", {}, "core"));
      return true;
    }
    std::string token = gate_->issue_token(impu, service, unix_now());
    counters().tokens.inc();
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
      counters().sdes_stripped.inc();
      ops::events().emit({"media", source, identity.impi, "reject", "body refused: " + stripped.reason});
      reply.send(sip::make_response(msg, stripped.code, std::string(sip::default_reason(stripped.code)) + " (" +
                                                             stripped.reason + ")",
                                    {}, "core"));
      return true;
    }
    if (stripped.verdict == media::SdesVerdict::kStripped) {
      w.set_body(stripped.content_type, stripped.body);
      counters().sdes_stripped.inc();
      ops::events().emit({"media", source, identity.impi, "strip", "a=crypto removed: SDES keys on a hop without TLS"});
    }
  }
  auto result = client_->exchange(w.str());
  if (!result.error.empty()) {
    counters().failed.inc();
    ops::events().emit({"service", source, identity.impi, "reject", "servicebox: " + result.error});
    reply.send(sip::make_response(msg, 503, "Service Unavailable", {}, "core"));
    return true;
  }
  sip::Message answer;
  if (sip::parse_stream_message(result.response, {}, answer).status != sip::ParseStatus::kOk ||
      answer.is_request()) {
    counters().failed.inc();
    reply.send(sip::make_response(msg, 502, "Bad Gateway", {}, "core"));
    return true;
  }
  auto policing = gate_->police_response(service, answer);
  if (!policing.refused_identities.empty()) {
    // A service claiming an identity it was not given is misconfigured or compromised: its
    // answer does not reach the subscriber at all.
    counters().policed_identity.inc();
    std::string ids;
    for (const auto& id : policing.refused_identities) ids += (ids.empty() ? "" : ", ") + id;
    ops::events().emit({"service", "servicebox", service, "reject",
                        "service asserted an identity it may not (" + ids + "); answer refused"});
    reply.send(sip::make_response(msg, 502, "Bad Gateway", {}, "core"));
    return true;
  }
  sip::MessageWriter out(answer);
  for (const auto& name : policing.removed) out.remove_all(name);
  // Bearer credentials never go back on a plain flow, whatever a service's allowed_headers say.
  if (flow.transport != config::Transport::kTls) out.remove_all(kContentTokenHeader);
  if (!policing.removed.empty()) {
    counters().policed_header.inc();
    std::string names;
    for (const auto& n : policing.removed) names += (names.empty() ? "" : ", ") + n;
    ops::events().emit({"service", "servicebox", service, "strip", "service set headers it may not: " + names});
  }
  if (!policing.asserted) out.add_header("P-Asserted-Identity", "<" + entry->identity + ">");
  bool dialog_created = msg.method_name() == "INVITE" && answer.status_code() >= 200 && answer.status_code() < 300;
  if (auto to = msg.to(); dialog_created && to && to->tag().empty())
    out.prepend_header("Record-Route", edge_record_route(config_, flow));
  counters().relayed.inc();
  reply.send(out.str());
  return true;
}

}  // namespace imsguard::service
