#include "edge/registrar.h"

#include "edge/activity.h"
#include "crypto/hex.h"
#include "edge/auth_guard_info.h"
#include "guard/chain.h"
#include "ops/counters.h"
#include "ops/episodes.h"
#include "sip/response.h"
#include "sip/uri.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <map>
#include <mutex>
#include <set>

namespace imsguard::edge {

struct RegistrarCounters {
  explicit RegistrarCounters(ops::CounterRegistry& registry) : m(registry) {}
  ops::CounterRegistry& m;  // first: the members below are made from it
  ops::Counter& challenged_digest = m.get("imsguard_auth_total{result=\"challenged\",scheme=\"digest\"}", "authentications by result and scheme");
  ops::Counter& challenged_aka = m.get("imsguard_auth_total{result=\"challenged\",scheme=\"aka\"}");
  ops::Counter& failed_digest = m.get("imsguard_auth_total{result=\"failed\",scheme=\"digest\"}");
  ops::Counter& failed_aka = m.get("imsguard_auth_total{result=\"failed\",scheme=\"aka\"}");
  ops::Counter& ok_digest = m.get("imsguard_auth_total{result=\"ok\",scheme=\"digest\"}");
  ops::Counter& ok_aka = m.get("imsguard_auth_total{result=\"ok\",scheme=\"aka\"}");
  ops::Counter& unavailable = m.get("imsguard_auth_total{result=\"store_unavailable\"}");
  ops::Counter& registered = m.get("imsguard_registrar_bindings_total{action=\"upsert\"}", "binding changes");
  ops::Counter& unregistered = m.get("imsguard_registrar_bindings_total{action=\"remove\"}");
  ops::Counter& removed_by_operator = m.get("imsguard_registrar_bindings_total{action=\"removed_by_operator\"}");
  // A flow the external S-CSCF registered (its 2xx): no binding is stored here.
  ops::Counter& learned = m.get("imsguard_registrar_bindings_total{action=\"learned_from_scscf\"}");
  // bad_aor is refused before authentication, the other reasons after it.
  ops::Counter& too_brief = m.get("imsguard_registrar_rejected_total{reason=\"interval_too_brief\"}",
                                                "REGISTERs the registrar refused for their To, Contact or Expires");
  ops::Counter& bad_aor = m.get("imsguard_registrar_rejected_total{reason=\"bad_aor\"}");
  ops::Counter& bad_contact = m.get("imsguard_registrar_rejected_total{reason=\"bad_contact\"}");
  ops::Counter& too_many_contacts = m.get("imsguard_registrar_rejected_total{reason=\"too_many_contacts\"}");
};

namespace {

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

std::optional<uint32_t> parse_u32(std::string_view s) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  uint64_t v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(ch - '0');
  }
  if (v > 0xffffffffULL) return std::nullopt;
  return static_cast<uint32_t>(v);
}

}  // namespace

std::string local_tag(const sip::Message& msg) {
  // Stable per Call-ID, so retransmitted answers carry the same tag.
  uint64_t h = std::hash<std::string_view>{}(msg.call_id()) ^ 0x9e3779b97f4a7c15ULL;
  std::array<uint8_t, 6> bytes{};
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(h >> (i * 8));
  return "ig" + crypto::to_hex(bytes);
}

Registrar::Registrar(const config::Config& config, store::SubscriberStore& subscribers, store::BindingStore& bindings,
                     RegistrarDeps deps)
    : config_(config),
      subscribers_(subscribers),
      bindings_(bindings),
      guards_(deps.guards),
      owned_counters_(std::make_unique<RegistrarCounters>(*deps.metrics)),
      counters_(*owned_counters_),
      events_(*deps.events),
      activity_(*deps.metrics) {
  auto auth = Authenticator::create(Authenticator::options_from(config), subscribers);
  if (auth.ok()) auth_ = std::move(auth).value();
  else spdlog::error("registrar: {}", auth.message());
  load_flows();
}

Registrar::~Registrar() = default;

std::string Registrar::normalise_aor(std::string_view text) {
  auto uri = sip::parse_uri(text);
  if (!uri || !uri->is_sip() || uri->host.empty()) return {};
  std::string aor = uri->scheme_id == sip::UriScheme::kSips ? "sips:" : "sip:";
  if (uri->has_user) aor += uri->user_unescaped() + "@";
  aor += lower(uri->host);
  return aor;
}

std::string Registrar::flow_key(const net::Flow& flow) {
  std::string key(config::transport_name(flow.transport));
  key += '|';
  key += flow.source();
  key += '|';
  if (flow.connection_id) key += std::to_string(flow.connection_id);
  return key;
}

void Registrar::load_flows() {
  auto all = bindings_.list(unix_now());
  if (!all.ok()) return;
  std::unique_lock lock(flows_mutex_);
  for (const auto& b : all.value()) {
    auto sub = subscribers_.find(b.impi);
    if (!sub.ok() || !sub.value() || sub.value()->barred) continue;
    std::string key = b.transport + "|" + b.source + "|" + b.flow_id;
    auto& f = flows_[key];
    f.impi = b.impi;
    f.impus = sub.value()->impus;
    f.expires_at = std::max(f.expires_at, b.expires_at);
  }
}

void Registrar::remember_flow(const net::Flow& flow, const store::Subscriber& sub, int64_t expires_at) {
  std::unique_lock lock(flows_mutex_);
  auto& f = flows_[flow_key(flow)];
  f.impi = sub.impi;
  f.impus = sub.impus;
  f.expires_at = expires_at;
  f.local_address = flow.local_address;
}

asio::ip::address Registrar::local_address_of(const net::Flow& flow) {
  std::shared_lock lock(flows_mutex_);
  auto it = flows_.find(flow_key(flow));
  return it == flows_.end() ? asio::ip::address() : it->second.local_address;
}

void Registrar::learn_from_core(const net::Flow& client, const sip::Message& response) {
  auto to = response.to();
  std::string aor = to ? normalise_aor(to->uri.raw) : std::string();
  std::vector<std::string> impus;
  if (auto associated = response.name_addrs(sip::HeaderId::kPAssociatedUri))
    for (const auto& a : *associated)
      if (auto impu = normalise_aor(a.uri.raw); !impu.empty()) impus.push_back(std::move(impu));
  if (impus.empty() && !aor.empty()) impus.push_back(aor);
  uint32_t granted = 0;
  std::optional<uint32_t> header_expires = response.expires();
  if (auto contacts = response.contacts()) {
    for (const auto& c : *contacts) {
      if (c.wildcard) continue;
      uint32_t e = header_expires.value_or(0);
      if (auto p = c.param("expires")) e = parse_u32(*p).value_or(0);
      granted = std::max(granted, e);
    }
  }
  if (impus.empty() || granted == 0) {
    forget_flow(client);
    return;
  }
  std::unique_lock lock(flows_mutex_);
  auto& f = flows_[flow_key(client)];
  f.impi = aor;  // the S-CSCF knows the IMPI; the edge keys the flow by its default IMPU
  f.impus = std::move(impus);
  f.expires_at = unix_now() + std::min(granted, config_.registrar.max_expires_s);
  f.local_address = client.local_address;
  counters_.learned.inc();
}

void Registrar::forget_flow(const net::Flow& flow) {
  std::unique_lock lock(flows_mutex_);
  flows_.erase(flow_key(flow));
}

std::optional<FlowIdentity> Registrar::identity_for(const net::Flow& flow, const sip::Message& msg) {
  auto from = msg.from();
  if (!from) return std::nullopt;
  std::string claimed = normalise_aor(from->uri.raw);
  std::shared_lock lock(flows_mutex_);
  auto it = flows_.find(flow_key(flow));
  if (it == flows_.end() || it->second.expires_at <= unix_now()) return std::nullopt;
  const auto& impus = it->second.impus;
  if (std::find(impus.begin(), impus.end(), claimed) == impus.end()) return std::nullopt;
  return it->second;
}

std::vector<store::Binding> Registrar::lookup(std::string_view aor) {
  auto r = bindings_.lookup(aor, unix_now());
  return r.ok() ? r.value() : std::vector<store::Binding>{};
}

store::StoreResult<size_t> Registrar::remove_bindings(std::string_view aor, std::string_view contact) {
  int64_t now = unix_now();
  auto live = bindings_.lookup(aor, now);
  if (!live.ok()) return live.error();
  size_t removed = 0;
  for (const auto& b : live.value()) {
    if (!contact.empty() && b.contact != contact) continue;
    auto r = bindings_.remove(b.aor, b.contact);
    if (!r.ok()) return r.error();
    if (!r.value()) continue;
    ++removed;
    counters_.removed_by_operator.inc();
    ops::emit_episode(events_, {"registrar", b.transport + ":" + b.source, b.impi, "deregister",
                       "binding " + b.contact + " of " + b.aor + " removed by an operator"});
    auto left = bindings_.find_by_flow(b.transport, b.source, b.flow_id, now);
    if (left.ok() && left.value().empty()) {
      std::unique_lock lock(flows_mutex_);
      flows_.erase(b.transport + "|" + b.source + "|" + b.flow_id);
    }
  }
  return removed;
}

void Registrar::send_challenge(const sip::Message& msg, const Challenge& challenge, net::Responder& reply) {
  std::vector<std::pair<std::string_view, std::string_view>> extra;
  for (const auto& v : challenge.www_authenticate) extra.emplace_back("WWW-Authenticate", v);
  reply.send(sip::make_response(msg, 401, "Unauthorized", extra, local_tag(msg)));
}

void Registrar::handle_register(const net::Flow& flow, const sip::Message& msg, net::Responder& reply,
                                const guard::Context* guard_ctx, const PathMaker* paths) {
  auto to = msg.to();
  std::string aor = to ? normalise_aor(to->uri.raw) : std::string();
  if (aor.empty()) {
    counters_.bad_aor.inc();
    reply.send(sip::make_response(msg, 400, "Bad Request (To must be a sip or sips URI)"));
    return;
  }
  if (!auth_) {
    reply.send(sip::make_response(msg, 500, "Server Internal Error (authentication not configured)"));
    return;
  }
  // The nonce is bound to the source text the edge recorded on the request when it parsed it
  // (Edge::on_message): written once per request, the same text as in Via received=.
  std::string_view source = msg.received_from().address();
  std::optional<crypto::RequestCredentials> own;
  const crypto::RequestCredentials* creds = guard_ctx ? guard_ctx->credentials : nullptr;
  if (!creds) creds = &own.emplace(auth_->read(msg, sip::HeaderId::kAuthorization, source));
  AuthResult r = auth_->authenticate(msg, *creds, aor, source);
  std::string reason = r.reason_line();
  if (guards_) {  // Guard hook 3: the authentication result.
    guard::AuthInfo info = guard_auth_info(r, reason);
    guard::Context ctx = guard_ctx ? *guard_ctx : guards_->context(flow);
    ctx.credentials = creds;
    if (r.outcome != AuthOutcome::kUnavailable) guards_->on_auth(ctx, msg, info);
  }
  const bool aka = r.scheme == AuthScheme::kAka;
  report_auth_outcome(activity_, flow, r);  // the operator's log line (edge/activity.h)
  switch (r.outcome) {
    case AuthOutcome::kChallenge:
      (aka ? counters_.challenged_aka : counters_.challenged_digest).inc();
      // Credentials only for another realm: a misconfigured phone, told apart in the events.
      if (r.reason == AuthReason::kRealmMismatch)
        ops::emit_episode(events_, {"auth", flow.to_string(), r.impi, "challenge", reason}, flow.address.to_string());
      send_challenge(msg, r.challenge, reply);
      return;
    case AuthOutcome::kFailed:
      (aka ? counters_.failed_aka : counters_.failed_digest).inc();
      // One event per identity and episode: a guessing run against one user (from one
      // address or many) is one line and a summary with the count (ops/episodes.h).
      ops::emit_episode(events_, {"auth", flow.to_string(), r.impi, "reject", reason}, r.impi);
      send_challenge(msg, r.challenge, reply);
      return;
    case AuthOutcome::kUnavailable: {
      counters_.unavailable.inc();
      ops::emit_episode(events_, {"auth", flow.to_string(), r.impi, "reject", reason}, "store");
      spdlog::warn("registrar: {}", reason);
      const std::pair<std::string_view, std::string_view> extra[] = {{"Retry-After", "5"}};
      reply.send(sip::make_response(msg, 503, "Service Unavailable", extra));
      return;
    }
    case AuthOutcome::kAuthenticated:
      (aka ? counters_.ok_aka : counters_.ok_digest).inc();
      update_bindings(flow, msg, *r.subscriber, aor, reply, paths);
      return;
  }
}

std::mutex& Registrar::aor_lock(std::string_view aor) {
  return aor_locks_[std::hash<std::string_view>{}(aor) % aor_locks_.size()];
}

bool Registrar::over_contact_cap(const net::Flow& flow, const sip::Message& msg, const store::Subscriber& sub,
                                 const std::string& aor, const std::vector<std::string>& adding, size_t would_hold,
                                 net::Responder& reply) {
  const uint32_t cap = config_.registrar.max_contacts_per_aor;
  if (would_hold <= cap) return false;
  counters_.too_many_contacts.inc();
  // One event per AoR and episode: an attacker repeating the request writes one line, not one each.
  ops::emit_episode(events_, {"registrar", flow.to_string(), sub.impi, "reject",
                     "too many contacts for " + aor + ": " + std::to_string(would_hold) + " would exceed " +
                         std::to_string(cap) + " (registrar.max_contacts_per_aor); " + std::to_string(adding.size()) +
                         " new refused"},
                    aor);
  // 403, not 503: the refusal is not an overload that a retry of the same request outlives,
  // and a phone must not retry it as is. It can free a slot (Expires: 0, Contact: *).
  std::string warning = "399 imsguard \"at most " + std::to_string(cap) + " contacts per address of record\"";
  const std::pair<std::string_view, std::string_view> extra[] = {{"Warning", warning}};
  reply.send(sip::make_response(msg, 403, "Forbidden (too many contacts for this address of record)", extra,
                                local_tag(msg)));
  return true;
}

void Registrar::update_bindings(const net::Flow& flow, const sip::Message& msg, const store::Subscriber& sub,
                                const std::string& aor, net::Responder& reply, const PathMaker* paths) {
  const auto& rc = config_.registrar;
  int64_t now = unix_now();
  auto contacts = msg.contacts();
  if (!contacts && msg.has(sip::HeaderId::kContact)) {
    counters_.bad_contact.inc();
    reply.send(sip::make_response(msg, 400, "Bad Request (malformed Contact)"));
    return;
  }
  std::optional<uint32_t> header_expires = msg.expires();
  auto cseq = msg.cseq();
  std::string transport(config::transport_name(flow.transport));
  std::string source = flow.source();
  std::string flow_id = flow.connection_id ? std::to_string(flow.connection_id) : std::string();

  // The AoR's bindings after this request, by contact: read before the writes (they need it
  // for the cap), so the 200 OK costs no second lookup.
  std::optional<std::map<std::string, store::Binding>> after;
  // The AoR's live bindings into `after`; false (a 500 answered) when the store fails.
  auto read_bindings = [&] {
    auto live = bindings_.lookup(aor, now);
    if (!live.ok()) {
      reply.send(sip::make_response(msg, 500, "Server Internal Error (binding store)"));
      return false;
    }
    after.emplace();
    for (auto& b : live.value()) after->emplace(b.contact, std::move(b));
    return true;
  };
  if (contacts) {
    // Contact: * removes every binding, and only with Expires: 0 (RFC 3261 10.3 step 6).
    bool wildcard = std::any_of(contacts->begin(), contacts->end(), [](const sip::NameAddr& c) { return c.wildcard; });
    if (wildcard) {
      if (contacts->size() != 1 || header_expires.value_or(1) != 0) {
        counters_.bad_contact.inc();
        reply.send(sip::make_response(msg, 400, "Bad Request (Contact: * needs Expires: 0 and no other Contact)"));
        return;
      }
      auto removed = bindings_.remove_all(aor);
      if (!removed.ok()) {
        reply.send(sip::make_response(msg, 500, "Server Internal Error (binding store)"));
        return;
      }
      counters_.unregistered.inc(removed.value());
      forget_flow(flow);
    } else {
      // Validate every Contact before changing anything (the request is atomic).
      std::vector<uint32_t> expiries;
      expiries.reserve(contacts->size());
      for (const auto& c : *contacts) {
        uint32_t expires = rc.default_expires_s;
        if (auto p = c.param("expires")) {
          auto v = parse_u32(*p);
          if (!v) {
            counters_.bad_contact.inc();
            reply.send(sip::make_response(msg, 400, "Bad Request (invalid expires parameter)"));
            return;
          }
          expires = *v;
        } else if (header_expires) {
          expires = *header_expires;
        }
        if (expires != 0 && expires < rc.min_expires_s) {
          counters_.too_brief.inc();
          std::string min = std::to_string(rc.min_expires_s);
          const std::pair<std::string_view, std::string_view> extra[] = {{"Min-Expires", min}};
          reply.send(sip::make_response(msg, 423, "Interval Too Brief", extra));
          return;
        }
        expiries.push_back(expires);
      }
      // One AoR's Contacts are checked and written under its lock: two workers cannot both
      // pass the cap with the same last free slot.
      std::lock_guard aor_guard(aor_lock(aor));
      if (!read_bindings()) return;
      // The Contacts this request binds that the AoR does not hold yet, and how many it
      // would hold afterwards (removals first: a phone may swap a Contact at the cap).
      std::set<std::string_view> bound;
      for (const auto& [contact, b] : *after) bound.insert(contact);
      std::vector<std::string> adding;
      for (size_t i = 0; i < contacts->size(); ++i) {
        std::string_view contact = (*contacts)[i].uri.raw;
        if (expiries[i] == 0) {
          bound.erase(contact);
          continue;
        }
        bool held = after->count(std::string(contact)) > 0;
        if (bound.insert(contact).second && !held) adding.emplace_back(contact);
      }
      if (!adding.empty()) {
        if (over_contact_cap(flow, msg, sub, aor, adding, bound.size(), reply)) return;
        // Expired rows of this AoR go before a new one comes: where no periodic purge runs
        // (memory, Redis) they would otherwise pile up under a live count that stays at the cap.
        (void)bindings_.purge_expired_of(aor, now);
      }
      for (size_t i = 0; i < contacts->size(); ++i) {
        uint32_t expires = expiries[i];
        std::string contact((*contacts)[i].uri.raw);
        if (expires == 0) {
          auto removed = bindings_.remove(aor, contact);
          if (removed.ok() && removed.value()) counters_.unregistered.inc();
          after->erase(contact);
          continue;
        }
        expires = std::min(expires, rc.max_expires_s);
        store::Binding b;
        b.aor = aor;
        b.contact = contact;
        b.impi = sub.impi;
        b.transport = transport;
        b.source = source;
        b.flow_id = flow_id;
        b.call_id = std::string(msg.call_id());
        b.cseq = cseq ? cseq->number : 0;
        b.expires_at = now + expires;
        if (paths) b.path = paths->path_for(flow);
        auto up = bindings_.upsert(b);
        if (!up.ok()) {
          reply.send(sip::make_response(msg, 500, "Server Internal Error (binding store)"));
          return;
        }
        counters_.registered.inc();
        (*after)[contact] = std::move(b);
      }
    }
  }

  if (!after) {
    if (!read_bindings()) return;
  }
  int64_t latest = 0;
  std::string contact_list;
  for (const auto& [contact, b] : *after) {
    if (!contact_list.empty()) contact_list += ", ";
    contact_list.append("<").append(b.contact).append(">;expires=");
    contact_list += std::to_string(std::max<int64_t>(0, b.expires_at - now));
    if (b.transport == transport && b.source == source && b.flow_id == flow_id) latest = std::max(latest, b.expires_at);
  }
  if (latest > 0) remember_flow(flow, sub, latest);
  else forget_flow(flow);
  // The operator's event and log line (edge/activity.h); a REGISTER without Contact only asks.
  if (contacts) report_registration(events_, activity_, flow, sub, aor, after->size(), latest > 0 ? latest - now : 0);

  std::string associated;
  for (const auto& impu : sub.impus) associated.append(associated.empty() ? "<" : ", <").append(impu).append(">");
  std::vector<std::pair<std::string_view, std::string_view>> extra;
  if (!contact_list.empty()) extra.emplace_back("Contact", contact_list);
  extra.emplace_back("P-Associated-URI", associated);
  reply.send(sip::make_response(msg, 200, "OK", extra, local_tag(msg)));
}

}  // namespace imsguard::edge
