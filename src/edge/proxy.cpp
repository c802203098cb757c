#include "edge/proxy.h"

#include "edge/activity.h"
#include "edge/client_transactions.h"
#include "edge/edge_address.h"
#include "net/address_text.h"
#include "edge/header_policy.h"

#include "crypto/ct.h"
#include "crypto/hex.h"
#include "ops/counters.h"
#include "media/sdes_strip.h"
#include "ops/episodes.h"
#include "ops/events.h"
#include "sip/response.h"
#include "sip/uri.h"
#include "sip/writer.h"
#include "store/state.h"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <cstdlib>

namespace imsguard::edge {

struct ProxyCounters {
  explicit ProxyCounters(ops::CounterRegistry& registry) : m(registry) {}
  ops::CounterRegistry& m;  // first: the members below are made from it
  ops::Counter& forwarded = m.get("imsguard_proxy_requests_total{outcome=\"forwarded\"}",
                                                "requests relayed: from registered users (to a user, a peer edge or the S-CSCF), and by outcome");
  ops::Counter& unavailable = m.get("imsguard_proxy_requests_total{outcome=\"target_unavailable\"}");
  ops::Counter& responses = m.get("imsguard_proxy_responses_total{outcome=\"relayed\"}", "responses relayed back");
  ops::Counter& responses_dropped = m.get("imsguard_proxy_responses_total{outcome=\"dropped\"}");
  ops::Counter& own_answered = m.get("imsguard_proxy_responses_total{outcome=\"answered_own_request\"}");
  ops::Counter& sdes_stripped = m.get("imsguard_sdes_stripped_total", "SDP bodies whose a=crypto keys were removed on a hop without TLS");
  ops::Counter& to_core = m.get("imsguard_proxy_requests_total{outcome=\"to_scscf\"}");
  ops::Counter& from_core = m.get("imsguard_proxy_requests_total{outcome=\"from_scscf\"}");
  ops::Counter& from_peer = m.get("imsguard_proxy_requests_total{outcome=\"from_peer_edge\"}");
  ops::Counter& to_peer = m.get("imsguard_proxy_requests_total{outcome=\"to_peer_edge\"}");
  ops::Counter& peer_refused = m.get("imsguard_proxy_requests_total{outcome=\"peer_auth_failed\"}",
                                                   "requests from a peer edge's address without a valid Imsguard-Peer-Auth");
  ops::Counter& core_unproven = m.get("imsguard_proxy_requests_total{outcome=\"scscf_unproven\"}",
                                     "requests from the S-CSCF's UDP address without a valid Imsguard-Peer-Auth: asserted identities removed");
  ops::Counter& in_dialog = m.get("imsguard_proxy_requests_total{outcome=\"in_dialog\"}");
  ops::Counter& not_participant = m.get("imsguard_proxy_requests_total{outcome=\"not_dialog_participant\"}");
  ops::Counter& bad_route = m.get("imsguard_proxy_requests_total{outcome=\"invalid_dialog_route\"}");
  ops::Counter& media_refused_offer = m.get("imsguard_proxy_media_refused_total{side=\"offer\"}", "SDP the media policy refused (media.srtp_policy)");
  ops::Counter& media_refused_answer = m.get("imsguard_proxy_media_refused_total{side=\"answer\"}");
  ops::Counter& record_routed = m.get("imsguard_proxy_dialogs_record_routed_total", "dialog-creating requests the edge record-routed");
};

namespace {


constexpr std::string_view kFlowParam = "igf";

// How long a token is good for. A Via token outlives the longest transaction it routes
// answers for (an INVITE ringing until Timer C, then 2xx retransmissions for 64*T1); a
// Path as long as the longest registration we grant; a Record-Route for a dialog's life,
// which SIP does not bound (DialogRoutes::kLifetimeS).
int64_t via_lifetime_s(const config::Config& c) {
  return (int64_t{c.sip.timers.c_ms} + 2 * 64 * int64_t{c.sip.timers.t1_ms}) / 1000 + 60;
}
int64_t path_lifetime_s(const config::Config& c) { return int64_t{c.registrar.max_expires_s} + 300; }

// What a Via token is bound to: the transaction's Call-ID and CSeq method, both copied into
// every answer, so a token seen in one request's Via does not route another's answers.
std::string via_binding(const sip::Message& m) {
  auto cseq = m.cseq();
  return std::string(m.call_id()) + "\n" + std::string(cseq ? cseq->method : m.method_name());
}

std::optional<config::Transport> parse_transport(std::string_view t) {
  if (t == "udp") return config::Transport::kUdp;
  if (t == "tcp") return config::Transport::kTcp;
  if (t == "tls") return config::Transport::kTls;
  return std::nullopt;
}

// "ip:port" or "[v6]:port" -> Flow address and port.
bool parse_source(std::string_view source, net::Flow& flow) {
  size_t colon = source.rfind(':');
  if (colon == std::string_view::npos) return false;
  std::string host(source.substr(0, colon));
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  std::error_code ec;
  flow.address = asio::ip::make_address(host, ec);
  if (ec) return false;
  int port = 0;
  for (char c : source.substr(colon + 1)) {
    if (c < '0' || c > '9') return false;
    port = port * 10 + (c - '0');
    if (port > 65535) return false;
  }
  flow.port = static_cast<uint16_t>(port);
  return true;
}

std::optional<net::Flow> flow_of(const store::Binding& b) {
  net::Flow f;
  auto t = parse_transport(b.transport);
  if (!t || !parse_source(b.source, f)) return std::nullopt;
  f.transport = *t;
  if (!b.flow_id.empty()) {
    // A row from the store is input like any other: a bad id skips the binding.
    auto [end, ec] = std::from_chars(b.flow_id.data(), b.flow_id.data() + b.flow_id.size(), f.connection_id);
    if (ec != std::errc() || end != b.flow_id.data() + b.flow_id.size()) return std::nullopt;
  }
  return f;
}

}  // namespace

Proxy::Proxy(const config::Config& config, Registrar& registrar, ProxyDeps deps)
    : config_(config),
      registrar_(registrar),
      tokens_(key_),
      owned_counters_(std::make_unique<ProxyCounters>(*deps.metrics)),
      counters_(*owned_counters_),
      sender_(deps.sender),
      client_transactions_(deps.client_transactions),
      events_(*deps.events),
      activity_(*deps.metrics),
      header_policy_(*deps.metrics, *deps.events),
      negotiation_(*deps.metrics, *deps.events) {
  // Flow tokens sit in stored bindings (Path) and in dialogs' route sets: a key kept in the
  // data directory keeps them valid across a restart. Node::start has created it; a bare
  // Proxy (unit tests, no data directory) uses a random key.
  auto stored = config.data_dir.empty() ? store::StoreResult<std::vector<uint8_t>>(store::invalid("no data_dir"))
                                        : store::load_or_create_secret(flow_key_path(config.data_dir), key_.size());
  if (stored.ok()) std::copy(stored.value().begin(), stored.value().end(), key_.begin());
  else if (RAND_bytes(key_.data(), static_cast<int>(key_.size())) != 1) {
    // A known (all-zero) key would let anyone forge flow tokens: no edge without a key, as
    // for the guards' hash key (guard/source.cpp). The composition root made the key file
    // with a checked RAND_bytes before building us, so this is a bare Proxy (tests) only.
    std::fputs("imsguard: no randomness for the flow-token key (RAND_bytes failed)\n", stderr);
    std::abort();
  }
  tokens_ = FlowTokens(key_);
  hiding_.emplace(config, tokens_, counters_.m);
  if (!config.sip.peers.empty()) {
    // Node::start refused to start without a readable key; without one no peer is trusted.
    if (auto key = PeerAuth::load_key(config.sip.peer_key_file); key.ok())
      peer_auth_.emplace(std::move(*key), 64 * int64_t{config.sip.timers.t1_ms} / 1000 + 30);
  }
  // Node::start validated the value before building the edge.
  if (auto core = parse_core(config.core.scscf); core.ok()) core_ = *core;
  if (core_ && !config.core.auth_key_file.empty()) {
    // Node::start refused to start with an unreadable key.
    if (auto key = PeerAuth::load_key(config.core.auth_key_file); key.ok())
      core_auth_.emplace(std::move(*key), 64 * int64_t{config.sip.timers.t1_ms} / 1000 + 30);
  }
  if (core_ && core_->transport == config::Transport::kUdp && !core_auth_)
    spdlog::warn("core.scscf {} is reached over UDP and core.auth_key_file is not set: a UDP source address proves "
                 "nothing, so the identities the S-CSCF asserts in its requests (P-Asserted-Identity, ...) are "
                 "removed before they reach clients (docs/security-model.md)",
                 config.core.scscf);
  for (const auto& peer : config.sip.peers) {
    net::Flow f;
    f.transport = config::Transport::kUdp;
    if (parse_source(peer, f)) peers_.push_back(f);  // validated by the config reader
  }
}

Proxy::~Proxy() = default;

std::string Proxy::flow_key_path(const std::string& data_dir) { return data_dir + "/flow.key"; }

bool Proxy::from_peer(const net::Flow& flow) const {
  return flow.transport == config::Transport::kUdp &&
         std::any_of(peers_.begin(), peers_.end(),
                     [&](const net::Flow& p) { return p.address == flow.address && p.port == flow.port; });
}

bool Proxy::trusted_peer(const net::Flow& flow, const sip::Message& msg) const {
  if (!from_peer(flow)) return false;
  auto verdict = peer_auth_ ? peer_auth_->verify(msg, unix_now()) : PeerAuth::Verdict::kMissing;
  if (verdict == PeerAuth::Verdict::kValid) return true;
  counters_.peer_refused.inc();
  std::string reason = "request from a peer edge's address refused as a peer's: Imsguard-Peer-Auth ";
  reason += PeerAuth::verdict_name(verdict);
  // One event per source and verdict per episode (a spoofed stream in a peer's name is one line).
  ops::emit_episode(events_, {"peer", flow.to_string(), "", "reject", reason},
                    flow.to_string() + " " + std::string(PeerAuth::verdict_name(verdict)));
  return false;
}

Status Proxy::check_peer_key(const config::Config& config) {
  if (!config.sip.peers.empty())
    if (auto key = PeerAuth::load_key(config.sip.peer_key_file); !key.ok()) return key.status();
  if (!config.core.auth_key_file.empty() && config.core.scscf != "embedded")
    if (auto key = PeerAuth::load_key(config.core.auth_key_file); !key.ok())
      return Status(key.code(), "core.auth_key_file: " + key.message());
  return {};
}

bool Proxy::core_request_proven(const net::Flow& flow, const sip::Message& msg) const {
  if (flow.transport != config::Transport::kUdp) return true;
  return core_auth_ && core_auth_->verify(msg, unix_now()) == PeerAuth::Verdict::kValid;
}

std::string Proxy::path_for(const net::Flow& client) const {
  if (peers_.empty()) return {};
  net::Flow udp;  // toward the peer edges, over UDP
  return own_route(udp, "term",
                   tokens_.encode(client, FlowPurpose::kPath, {}, unix_now() + path_lifetime_s(config_)));
}

StatusOr<std::optional<net::Flow>> Proxy::parse_core(const std::string& scscf) {
  if (scscf.empty() || scscf == "embedded") return std::optional<net::Flow>();
  auto uri = sip::parse_uri(scscf);
  const char* expected = "core.scscf: expected embedded or sip:<IP address>[:port][;transport=udp|tcp]";
  if (!uri || uri->scheme_id != sip::UriScheme::kSip || uri->has_user)
    return invalid_argument(std::string(expected) + ", got '" + scscf + "'");
  net::Flow core;
  auto address = net::parse_ip_literal(uri->host);
  if (!address) return invalid_argument(std::string(expected) + " (host names are not resolved), got '" + scscf + "'");
  core.address = *address;
  core.port = uri->port ? uri->port : 5060;
  core.transport = config::Transport::kUdp;
  if (auto t = uri->param("transport")) {
    std::string tr(*t);
    std::transform(tr.begin(), tr.end(), tr.begin(), ::tolower);
    if (tr == "tcp") core.transport = config::Transport::kTcp;
    else if (tr != "udp") {
      return invalid_argument(std::string(expected) + ", got transport '" + tr + "'");
    }
  }
  return std::optional<net::Flow>(core);
}

bool Proxy::from_core(const net::Flow& flow) const {
  return core_ && flow.transport == core_->transport && flow.address == core_->address && flow.port == core_->port;
}

std::string Proxy::own_route(const net::Flow& hop, std::string_view user, std::string_view token) const {
  std::string route = "<sip:";
  route += user;
  route += "@" + edge_hostport(config_, hop);
  route += ";lr;" + std::string(kFlowParam) + "=" + std::string(token) + ">";
  return route;
}

bool Proxy::creates_dialog(const sip::Message& msg) {
  switch (msg.method()) {
    case sip::Method::kInvite:
    case sip::Method::kSubscribe:
    case sip::Method::kRefer:
    case sip::Method::kNotify: {
      // In a dialog that already exists (a To tag) the route set is fixed (12.1).
      auto to = msg.to();
      return to && to->tag().empty();
    }
    default:
      return false;
  }
}

void Proxy::record_route(sip::MessageWriter& w, const sip::Message& msg, const net::Flow& client) const {
  if (creates_dialog(msg))
    w.prepend_header("Record-Route",
                     own_route(client, "edge",
                               tokens_.encode(client, FlowPurpose::kRecordRoute, msg.call_id(),
                                              unix_now() + DialogRoutes::kLifetimeS)));
}

void Proxy::protect_sdes(sip::MessageWriter& w, const sip::Message& msg, const net::Flow& from,
                         const net::Flow& to) const {
  if (!config_.media.sdes_requires_tls || msg.body().empty()) return;
  if (from.transport == config::Transport::kTls && to.transport == config::Transport::kTls) return;
  // Media types as RFC 2045/7231 compare them, multipart parts included (media/sdes_strip.h).
  auto r = media::strip_sdes_from_message(msg);
  if (r.verdict == media::SdesVerdict::kUnchanged) return;
  bool refused = r.verdict == media::SdesVerdict::kRefused;  // unreadable, might hold keys: body not forwarded
  w.set_body(r.content_type, r.body);
  counters_.sdes_stripped.inc();
  ops::emit_episode(events_, {"media", from.to_string(), "", "strip",
                     refused ? "body removed: " + r.reason : "a=crypto removed: SDES keys on a hop without TLS"},
                    from.to_string() + (refused ? " body" : " sdes"));
}

void Proxy::forward_register(const net::Flow& flow, const sip::Message& msg, net::Responder& reply) {
  uint32_t mf = msg.max_forwards().value_or(71);
  if (mf == 0) {
    reply.send(sip::make_response(msg, 483, "Too Many Hops"));
    return;
  }
  sip::MessageWriter w(msg);
  std::string via = via_for(*core_, msg, flow);
  if (via.empty()) return refuse(msg, reply, 500, "Server Internal Error (no MAC for the relay)");
  w.prepend_via(via);
  w.replace_header(sip::HeaderId::kMaxForwards, std::to_string(mf - 1));
  apply_header_policy(header_policy_, Crossing::kClientRequest, msg, w, flow.to_string(), {});
  // Our Path goes on top (RFC 3327 4.2): the S-CSCF routes terminating requests to it.
  w.prepend_header("Path", own_route(*core_, "term",
                                     tokens_.encode(flow, FlowPurpose::kPath, {}, unix_now() + path_lifetime_s(config_))));
  std::string bytes = w.str();
  track(flow, msg, *core_, via, bytes);
  if (!sender_ || !sender_->send_to(*core_, bytes)) {
    if (client_transactions_) client_transactions_->abandoned(msg, via);
    counters_.unavailable.inc();
    const std::pair<std::string_view, std::string_view> extra[] = {{"Retry-After", "5"}};
    reply.send(sip::make_response(msg, 503, "Service Unavailable (S-CSCF unreachable)", extra));
    return;
  }
  counters_.to_core.inc();
}

void Proxy::track(const net::Flow& origin, const sip::Message& msg, const net::Flow& target, std::string_view via,
                  std::string bytes) {
  if (client_transactions_) client_transactions_->relayed(origin, msg, target, via, std::move(bytes));
}

void Proxy::deliver_from_core(const net::Flow& flow, const sip::Message& msg, net::Responder& reply) {
  bool is_ack = msg.method() == sip::Method::kAck;
  std::optional<net::Flow> client;
  std::vector<std::string> rest;
  if (auto routes = msg.routes(); routes && !routes->empty()) {
    client = route_flow(routes->front(), msg);
    for (size_t i = client ? 1 : 0; i < routes->size(); ++i) rest.emplace_back((*routes)[i].raw);
  }
  if (!client || !sender_) {
    counters_.unavailable.inc();
    if (!is_ack) reply.send(sip::make_response(msg, 404, "Not Found (no edge route)", {}, local_tag(msg)));
    return;
  }
  uint32_t mf = msg.max_forwards().value_or(71);
  if (mf == 0) {
    if (!is_ack) reply.send(sip::make_response(msg, 483, "Too Many Hops"));
    return;
  }
  sip::MessageWriter w(msg);
  if (rest.empty()) {
    w.remove_all(sip::HeaderId::kRoute);
  } else {
    std::string joined;
    for (const auto& r : rest) joined += (joined.empty() ? "" : ", ") + r;
    w.replace_header(sip::HeaderId::kRoute, joined);
  }
  std::string via = via_for(*client, msg, flow);
  if (via.empty()) return refuse(msg, reply, 500, "Server Internal Error (no MAC for the relay)");
  // The core's hops stay behind the edge (identity.topology_hiding): its Vias sealed into ours.
  if (from_core(flow) && !hiding_->request_to_client(w, msg, *client, via))
    return refuse(msg, reply, 500, "Server Internal Error (no key for topology hiding)");
  w.prepend_via(via);
  w.replace_header(sip::HeaderId::kMaxForwards, std::to_string(mf - 1));
  record_route(w, msg, *client);
  // The S-CSCF's assertion is trusted; toward the client it is withheld on request (RFC 3323).
  bool privacy_id = false;
  msg.for_each_value(sip::HeaderId::kPrivacy, [&](std::string_view v) {
    if (v == "id" || v == "header" || v == "user") privacy_id = true;
  });
  if (privacy_id) w.remove_all(sip::HeaderId::kPAssertedIdentity);
  // A peer edge proved itself (trusted_peer); the S-CSCF over UDP only with its MAC. Without
  // it the request still goes where its flow token says, but asserts nothing: the client sees
  // what any request from outside the trust domain would carry.
  bool proven = !from_core(flow) || core_request_proven(flow, msg);
  if (!proven) {
    counters_.core_unproven.inc();
    ops::emit_episode(events_, {"core", flow.to_string(), "", "strip",
                       "request from the S-CSCF's UDP address without a valid Imsguard-Peer-Auth (core.auth_key_file): "
                       "the identities it asserts are removed"},
                      "scscf");
  }
  apply_header_policy(header_policy_, proven ? Crossing::kRequestToClient : Crossing::kClientRequest, msg, w, flow.to_string(), {});
  protect_sdes(w, msg, flow, *client);
  std::string bytes = w.str();
  // A 408 on timeout goes back to the S-CSCF (or the peer edge) that sent it.
  track(flow, msg, *client, via, bytes);
  if (!sender_->send_to(*client, bytes)) {
    if (client_transactions_) client_transactions_->abandoned(msg, via);
    counters_.unavailable.inc();
    if (!is_ack) reply.send(sip::make_response(msg, 480, "Temporarily Unavailable", {}, local_tag(msg)));
    return;
  }
  if (from_peer(flow)) counters_.from_peer.inc();
  else counters_.from_core.inc();
}

std::optional<net::Flow> Proxy::route_flow(const sip::NameAddr& route, const sip::Message& msg) const {
  auto token = route.uri.param(kFlowParam);
  if (!token) return std::nullopt;
  int64_t now = unix_now();
  // A Path names the registered client for any request; a Record-Route only within its dialog.
  if (auto f = tokens_.decode(*token, FlowPurpose::kPath, {}, now)) return f;
  return tokens_.decode(*token, FlowPurpose::kRecordRoute, msg.call_id(), now);
}

std::optional<Proxy::Target> Proxy::target_of(const store::Binding& b) const {
  if (!b.path.empty() && !peers_.empty()) {
    // A binding made through a peer edge: the request goes there, routed by its Path.
    std::string_view path = b.path;
    if (path.size() > 2 && path.front() == '<' && path.back() == '>') path = path.substr(1, path.size() - 2);
    // A row from the store is input like any other: a Path that does not parse, or names
    // our own listener or an edge that is no longer a peer, leaves the flow itself.
    if (auto uri = sip::parse_uri(path)) {
      if (auto address = net::parse_ip_literal(uri->host)) {
        net::Flow peer;
        peer.transport = config::Transport::kUdp;
        peer.address = *address;
        peer.port = uri->port ? uri->port : 5060;
        if (from_peer(peer)) return Target{peer, b.path};
      }
    }
  }
  if (auto f = flow_of(b)) {
    if (f->transport == config::Transport::kUdp) f->local_address = registrar_.local_address_of(*f);
    return Target{*f, {}};
  }
  return std::nullopt;
}

std::optional<Proxy::Target> Proxy::target_for_aor(const sip::Message& msg) {
  std::string aor = Registrar::normalise_aor(msg.request_uri());
  if (aor.empty()) return std::nullopt;
  // No forking: one binding takes the call, the one registered last (the latest expiry, with
  // phones asking for the same Expires). A phone that restarted on a new port leaves its old
  // binding until it expires; the first one stored would send every call to a dead flow.
  std::optional<Target> best;
  int64_t best_expiry = 0;
  for (const auto& b : registrar_.lookup(aor)) {
    if (best && b.expires_at <= best_expiry) continue;
    if (auto t = target_of(b)) {
      best = std::move(t);
      best_expiry = b.expires_at;
    }
  }
  return best;
}

MediaVerdict Proxy::judge_media(const sip::Message& msg, const net::Flow& from, const net::Flow& to) const {
  // Offers and answers travel in INVITE, UPDATE, PRACK and ACK and their responses (RFC 3261
  // 13.2.1, RFC 3311, RFC 3262); an SDP in another message (a MESSAGE) negotiates nothing.
  auto negotiates = [](std::string_view method) {
    return method == "INVITE" || method == "UPDATE" || method == "PRACK" || method == "ACK";
  };
  if (msg.is_request() ? !negotiates(msg.method_name()) : !(msg.cseq() && negotiates(msg.cseq()->method))) return {};
  std::string_view sdp = sdp_of(msg);
  if (sdp.empty()) return {};
  bool sdes_usable = !config_.media.sdes_requires_tls ||
                     (from.transport == config::Transport::kTls && to.transport == config::Transport::kTls);
  return judge_sdp(sdp, config_.media.srtp_policy, sdes_usable);
}

std::string Proxy::own_request(const net::Flow& hop, std::string_view method, std::string_view ruri,
                               std::string_view from, std::string_view to, std::string_view call_id, uint32_t cseq,
                               std::string_view extra) const {
  std::string transport(config::transport_name(hop.transport));
  std::transform(transport.begin(), transport.end(), transport.begin(), ::toupper);
  auto branch = tokens_.derive(std::string(call_id) + "|" + std::string(method) + "|" + std::to_string(cseq) + "|" +
                               std::string(to));
  if (!branch) return {};  // no MAC (OpenSSL failed): nothing is sent
  return std::string(method) + " " + std::string(ruri) + " SIP/2.0\r\nVia: SIP/2.0/" + transport + " " +
         edge_hostport(config_, hop) + ";branch=z9hG4bK" + crypto::to_hex(std::span<const uint8_t>(branch->data(), 8)) +
         "\r\nMax-Forwards: 70\r\nFrom: " + std::string(from) + "\r\nTo: " + std::string(to) +
         "\r\nCall-ID: " + std::string(call_id) + "\r\nCSeq: " + std::to_string(cseq) + " " + std::string(method) +
         "\r\n" + std::string(extra) + "Content-Length: 0\r\n\r\n";
}

void Proxy::send_own(const net::Flow& hop, const std::string& bytes) {
  if (!sender_ || bytes.empty()) return;
  // The timers first, so an answer that comes back at once finds its transaction.
  if (client_transactions_) client_transactions_->own_request_sent(hop, bytes);
  if (!sender_->send_to(hop, bytes) && client_transactions_) client_transactions_->own_request_failed(bytes);
}

namespace {
constexpr std::string_view kPolicyReason = "Reason: SIP;cause=488;text=\"media policy\"\r\n";
}  // namespace

void Proxy::end_refused_answer(const net::Flow& callee, const net::Flow& caller, const sip::Message& ok,
                               const std::string& reason) {
  net::FlowSender* sender = sender_;
  if (!sender) return;
  auto cseq = ok.cseq();
  auto contacts = ok.contacts();
  const sip::HeaderField* from = ok.find(sip::HeaderId::kFrom);
  const sip::HeaderField* to = ok.find(sip::HeaderId::kTo);
  if (cseq && contacts && !contacts->empty() && from && to) {
    // The callee's dialog exists: ACK its 2xx (else it retransmits) and end it with BYE.
    std::string_view target = contacts->front().uri.raw;
    send_own(callee, own_request(callee, "ACK", target, from->value, to->value, ok.call_id(), cseq->number, ""));
    send_own(callee, own_request(callee, "BYE", target, from->value, to->value, ok.call_id(), cseq->number + 1,
                                 kPolicyReason));
  }
  // The caller gets a final error in place of the 2xx: its INVITE fails, no dialog remains.
  sip::MessageWriter w(ok);
  w.remove_top_via();
  w.remove_all(sip::HeaderId::kContact);
  w.remove_all(sip::HeaderId::kRecordRoute);
  w.set_body("", "");
  std::string bytes = w.str();
  size_t eol = bytes.find("\r\n");
  if (eol == std::string::npos) return;
  std::string phrase = reason;
  for (auto& c : phrase)
    if (c == '\r' || c == '\n') c = ' ';
  bytes.replace(0, eol, "SIP/2.0 488 Not Acceptable Here (" + phrase + ")");
  sender->send_to(caller, bytes);
}

void Proxy::end_refused_late_answer(const net::Flow& caller, const net::Flow& callee, const sip::Message& ack) {
  net::FlowSender* sender = sender_;
  auto cseq = ack.cseq();
  const sip::HeaderField* from = ack.find(sip::HeaderId::kFrom);
  const sip::HeaderField* to = ack.find(sip::HeaderId::kTo);
  if (!sender || !cseq || !from || !to) return;
  // Both sides have a confirmed dialog (the callee's 2xx, the caller's ACK): the callee gets
  // an ACK without the refused answer (its 2xx stops) and a BYE; the caller a BYE from the
  // callee's side of the dialog, sent to its Contact (else its From URI) over its flow.
  send_own(callee, own_request(callee, "ACK", ack.request_uri(), from->value, to->value, ack.call_id(), cseq->number,
                               ""));
  send_own(callee, own_request(callee, "BYE", ack.request_uri(), from->value, to->value, ack.call_id(),
                               cseq->number + 1, kPolicyReason));
  std::string caller_target;
  if (auto contacts = ack.contacts(); contacts && !contacts->empty()) caller_target = contacts->front().uri.raw;
  else if (auto f = ack.from()) caller_target = f->uri.raw;
  if (caller_target.empty()) return;
  send_own(caller, own_request(caller, "BYE", caller_target, to->value, from->value, ack.call_id(), cseq->number + 1,
                               kPolicyReason));
}

void Proxy::refuse(const sip::Message& msg, net::Responder& reply, int code, std::string_view reason) const {
  if (msg.method() == sip::Method::kAck) return;  // an ACK is never answered
  reply.send(sip::make_response(msg, code, reason, {}, local_tag(msg)));
}

std::string Proxy::via_for(const net::Flow& target, const sip::Message& msg, const net::Flow& origin) const {
  // Deterministic branch (RFC 3261 16.11): the same request (a retransmission, or the CANCEL
  // of an INVITE) gets the same branch, so stateless forwarding stays consistent.
  auto top = msg.top_via();
  std::string seed = top && top->branch ? std::string(*top->branch) : std::string(msg.call_id());
  // A CANCEL (and the ACK of a non-2xx) must carry the INVITE's branch (RFC 3261 9.1, 16.10,
  // 17.1.1.3): the callee's INVITE server transaction matches them by it.
  if (msg.method() == sip::Method::kCancel || msg.method() == sip::Method::kAck) seed += "|INVITE";
  else seed += "|" + std::string(msg.method_name());
  // No MAC (OpenSSL failed): no Via, and the caller refuses rather than relay a request
  // whose answers could not come back or whose branch is not ours.
  auto branch = tokens_.derive(seed);
  if (!branch) return {};
  std::string token = tokens_.encode(origin, FlowPurpose::kVia, via_binding(msg), unix_now() + via_lifetime_s(config_));
  if (token.empty()) return {};
  std::string transport(config::transport_name(target.transport));
  std::transform(transport.begin(), transport.end(), transport.begin(), ::toupper);
  return "SIP/2.0/" + transport + " " + edge_hostport(config_, target) + ";branch=z9hG4bK" +
         crypto::to_hex(std::span<const uint8_t>(branch->data(), 8)) + ";" + std::string(kFlowParam) + "=" + token;
}

std::string Proxy::asserted_identity(const FlowIdentity& identity, const sip::Message& msg) const {
  // P-Preferred-Identity may choose among the subscriber's own IMPUs only (RFC 3325 9.2).
  if (auto ppis = msg.p_preferred_identities()) {
    for (const auto& ppi : *ppis) {
      std::string aor = Registrar::normalise_aor(ppi.uri.raw);
      if (std::find(identity.impus.begin(), identity.impus.end(), aor) != identity.impus.end()) return aor;
    }
  }
  if (auto from = msg.from()) {
    std::string aor = Registrar::normalise_aor(from->uri.raw);
    if (std::find(identity.impus.begin(), identity.impus.end(), aor) != identity.impus.end()) return aor;
  }
  return identity.impus.empty() ? std::string() : identity.impus.front();
}

void Proxy::forward_request(const net::Flow& flow, const FlowIdentity& identity, const sip::Message& msg,
                            net::Responder& reply) {
  // Loose routing (RFC 3261 16.4): the leading Route entries naming this edge (the client's
  // outbound proxy, our Record-Route of the dialog) are ours to consume.
  auto routes = msg.routes();
  DialogRoutes::Popped popped;
  if (routes) popped = dialogs_.pop_own(*routes, msg.call_id(), flow);
  if (popped.forged) {
    counters_.bad_route.inc();
    ops::emit_episode(events_, {"dialog", flow.to_string(), identity.impi, "reject", "Route carries an invalid dialog token"},
                      flow.to_string() + " token");
    refuse(msg, reply, 403, "Forbidden (invalid dialog route)");
    return;
  }
  // The Route after ours, with the entries topology hiding sealed put back (edge/topology_hiding.h).
  auto rest = hiding_->restore_routes(routes ? *routes : std::vector<sip::NameAddr>{}, popped.own, msg.call_id());
  if (rest.forged) {
    counters_.bad_route.inc();
    ops::emit_episode(events_, {"dialog", flow.to_string(), identity.impi, "reject", "Route carries an invalid sealed route"},
                      flow.to_string() + " sealed");
    refuse(msg, reply, 403, "Forbidden (invalid dialog route)");
    return;
  }
  // A Request-URI that is a Contact topology hiding sealed: the core's original goes on.
  auto target = hiding_->restore_target(msg.request_uri(), msg.call_id());
  if (target.forged) {
    counters_.bad_route.inc();
    ops::emit_episode(events_, {"dialog", flow.to_string(), identity.impi, "reject", "Request-URI carries an invalid sealed contact"},
                      flow.to_string() + " sealed");
    refuse(msg, reply, 403, "Forbidden (invalid dialog route)");
    return;
  }
  std::optional<Target> routed;
  bool in_dialog = false;
  bool to_scscf = false;
  if (popped.dialog) {
    // In a dialog the edge record-routed: only its two participants' flows may use it, and
    // each request goes over the other participant's flow.
    auto other = DialogRoutes::other_end(*popped.dialog, flow);
    if (!other) {
      counters_.not_participant.inc();
      ops::emit_episode(events_, {"dialog", flow.to_string(), identity.impi, "reject", "in-dialog request from a flow outside the dialog"},
                        flow.to_string() + " participant");
      refuse(msg, reply, 403, "Forbidden (not a participant of this dialog)");
      return;
    }
    routed = Target{*other, {}};
    in_dialog = true;
  } else if (core_) {
    // With an external S-CSCF every request of a registered client goes to it (it routes).
    routed = Target{*core_, {}};
    to_scscf = true;
  } else {
    routed = target_for_aor(msg);
  }
  if (!routed || !sender_) {
    counters_.unavailable.inc();
    // The same answer for an unknown and an unregistered user: no enumeration via MESSAGE.
    refuse(msg, reply, 480, "Temporarily Unavailable");
    return;
  }
  if (auto verdict = judge_media(msg, flow, routed->flow); verdict.outcome == media::Outcome::kRefused) {
    if (msg.method() == sip::Method::kAck && routed->route.empty()) {
      // An answer in the ACK (late offer): no response can refuse it, so the call is ended
      // on both sides (RFC 3261 13.3.1.4 lets a UAS end a session whose answer it cannot
      // accept with BYE; the edge does it for both).
      counters_.media_refused_answer.inc();
      negotiation_.record(media::Outcome::kRefused, "answer", flow.to_string(), identity.impi,
                                verdict.reason + " (answer in ACK: call ended with BYE on both legs)");
      end_refused_late_answer(flow, routed->flow, msg);
      return;
    }
    counters_.media_refused_offer.inc();
    negotiation_.record(media::Outcome::kRefused, "offer", flow.to_string(), identity.impi, verdict.reason);
    refuse(msg, reply, 488, "Not Acceptable Here (" + verdict.reason + ")");
    return;
  }
  sip::MessageWriter w(msg);
  if (popped.own > 0 || rest.changed) {
    if (rest.value.empty()) w.remove_all(sip::HeaderId::kRoute);
    else w.replace_header(sip::HeaderId::kRoute, rest.value);
  }
  if (!target.uri.empty()) w.set_request_uri(target.uri);
  std::string via = via_for(routed->flow, msg, flow);
  if (via.empty()) return refuse(msg, reply, 500, "Server Internal Error (no MAC for the relay)");
  w.prepend_via(via);
  if (!routed->route.empty()) {
    w.prepend_header("Route", routed->route);
    counters_.to_peer.inc();
  }
  uint32_t mf = msg.max_forwards().value_or(71);
  w.replace_header(sip::HeaderId::kMaxForwards, std::to_string(mf > 0 ? mf - 1 : 0));
  // Everything the client may not assert goes before the edge asserts its own.
  apply_header_policy(header_policy_, Crossing::kClientRequest, msg, w, flow.to_string(), identity.impi);
  // Credentials for the edge's own 407 (edge/request_challenge.h) stop here: the next hop is
  // a phone or a peer edge, and a callee holding a Digest answer could guess at the password
  // offline. With an external S-CSCF they may be its own, and go on.
  if (!core_) w.remove_all(sip::HeaderId::kProxyAuthorization);
  bool privacy_id = false;
  msg.for_each_value(sip::HeaderId::kPrivacy, [&](std::string_view v) {
    if (v == "id" || v == "header" || v == "user") privacy_id = true;
  });
  // Toward a client (an untrusted destination) the asserted identity is withheld when the
  // caller asked for privacy (RFC 3323 / RFC 3325 section 7).
  if (config_.identity.assert_authenticated && !privacy_id)
    w.add_header("P-Asserted-Identity", "<" + asserted_identity(identity, msg) + ">");
  if (core_) {
    record_route(w, msg, flow);
  } else if (!in_dialog && routed->route.empty() && creates_dialog(msg)) {
    for (const auto& rr : dialogs_.record_routes({flow, routed->flow}, msg.call_id())) w.prepend_header("Record-Route", rr);
    counters_.record_routed.inc();
  }
  protect_sdes(w, msg, flow, routed->flow);
  std::string bytes = w.str();
  if (!routed->route.empty()) {
    // The peer edge trusts what we assert only under our shared key (edge/peer_auth.h).
    auto signed_bytes = peer_auth_ ? peer_auth_->sign(bytes, unix_now()) : std::nullopt;
    if (!signed_bytes) {
      counters_.unavailable.inc();
      if (msg.method() != sip::Method::kAck)
        reply.send(sip::make_response(msg, 480, "Temporarily Unavailable", {}, local_tag(msg)));
      return;
    }
    bytes = std::move(*signed_bytes);
  }
  track(flow, msg, routed->flow, via, bytes);
  if (!sender_->send_to(routed->flow, bytes)) {
    if (client_transactions_) client_transactions_->abandoned(msg, via);
    counters_.unavailable.inc();
    refuse(msg, reply, 480, "Temporarily Unavailable");
    return;
  }
  counters_.forwarded.inc();
  if (in_dialog) counters_.in_dialog.inc();
  if (to_scscf) counters_.to_core.inc();  // to_scscf counts every request sent to it, not only REGISTER
  // The operator's call log (edge/activity.h).
  if (msg.method() == sip::Method::kInvite && !in_dialog && creates_dialog(msg)) report_call_relayed(activity_, flow, identity.impi, msg, routed->flow);
  else if (msg.method() == sip::Method::kBye) report_call_ended(activity_, flow, identity.impi, msg);
}

void Proxy::forward_response(const net::Flow& flow, const sip::Message& msg) {
  if (client_transactions_) client_transactions_->on_response(msg);
  // Only our Via: the answer to a request the edge sent on its own (Timer C's CANCEL), unless
  // our Via seals the sender's (topology hiding).
  if (msg.count_values(sip::HeaderId::kVia) <= 1 && !TopologyHiding::seals_vias(msg)) {
    counters_.own_answered.inc();
    return;
  }
  auto top = msg.top_via();
  std::optional<net::Flow> origin;
  if (top) {
    if (auto token = top->param(kFlowParam))
      origin = tokens_.decode(*token, FlowPurpose::kVia, via_binding(msg), unix_now());
  }
  if (!origin || !sender_) {
    counters_.responses_dropped.inc();
    (void)flow;
    return;
  }
  // The S-CSCF accepted a registration: the client's flow may now use the identities the
  // 2xx lists (P-Associated-URI), until the expiry it grants.
  if (from_core(flow) && msg.status_code() >= 200 && msg.status_code() < 300) {
    if (auto cseq = msg.cseq(); cseq && cseq->method == "REGISTER") registrar_.learn_from_core(*origin, msg);
  }
  // The media policy on the SDP of an answer (or of an offer in a 2xx): a 1xx it refuses is
  // not relayed, a 2xx to INVITE ends the call on both sides.
  if (msg.status_code() > 100 && msg.status_code() < 300) {
    auto cseq = msg.cseq();
    bool invite = cseq && cseq->method == "INVITE";
    auto verdict = judge_media(msg, flow, *origin);
    if (verdict.outcome == media::Outcome::kRefused) {
      counters_.media_refused_answer.inc();
      if (msg.status_code() >= 200 && call_reports_.first(msg.call_id()))
        negotiation_.record(media::Outcome::kRefused, "answer", flow.to_string(), "", verdict.reason);
      if (msg.status_code() >= 200 && invite) end_refused_answer(flow, *origin, msg, verdict.reason);
      return;
    }
    if (verdict.has_sdp && invite && msg.status_code() >= 200 && call_reports_.first(msg.call_id())) {
      std::string legs = "caller leg " + std::string(config::transport_name(origin->transport)) + ", callee leg " +
                         std::string(config::transport_name(flow.transport));
      negotiation_.record(verdict.outcome, "answer", origin->to_string(), "", legs);
    }
  }
  sip::MessageWriter w(msg);
  w.remove_top_via();
  // Topology hiding (edge/topology_hiding.h): the core's hops sealed toward the client, put
  // back on the client's answer to the core.
  if (from_core(flow)) hiding_->response_to_client(w, msg, *origin);
  else hiding_->response_to_core(w, msg, *top);
  // Answers are policed like requests: only the trusted core's may assert anything.
  apply_header_policy(header_policy_, from_core(flow) ? Crossing::kCoreResponse : Crossing::kUntrustedResponse, msg, w,
                      flow.to_string(), {});
  protect_sdes(w, msg, flow, *origin);
  std::string bytes = w.str();
  if (!sender_->send_to(*origin, bytes)) {
    counters_.responses_dropped.inc();
    return;
  }
  counters_.responses.inc();
  if (client_transactions_) client_transactions_->relayed_back(*origin, msg, bytes);
  if (msg.status_code() >= 200)
    if (auto cseq = msg.cseq(); cseq && cseq->method == "INVITE") report_call_answered(activity_, msg, *origin);  // call log
}

}  // namespace imsguard::edge
