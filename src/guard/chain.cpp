#include "guard/chain.h"

#include "guard/bruteforce.h"
#include "guard/control.h"
#include "guard/flood.h"
#include "guard/overload.h"
#include "guard/ratelimit.h"
#include "guard/scanner.h"


namespace imsguard::guard {

namespace {

// A replaced generation is freed this long after the swap: far longer than any one call into
// a guard (the slowest, a brute-force count in shared state, is bounded by its store timeout).
constexpr int64_t kRetireGraceMs = 120'000;
// Salt of the registered-address table's keys (distinct from the flow hashes').
constexpr uint64_t kAddressSalt = 0xad7e55;

// Whether a guard's settings changed, section by section (a changed guard is rebuilt).
bool same(const config::FloodGuard& a, const config::FloodGuard& b) {
  return a.enabled == b.enabled && a.window_s == b.window_s && a.max_per_source == b.max_per_source &&
         a.max_per_prefix == b.max_per_prefix && a.ban_ttl_s == b.ban_ttl_s && a.memory_budget_kb == b.memory_budget_kb;
}
bool same(const config::ScannerGuard& a, const config::ScannerGuard& b) {
  return a.enabled == b.enabled && a.ban_ttl_s == b.ban_ttl_s && a.max_distinct_users == b.max_distinct_users &&
         a.window_s == b.window_s;
}
bool same(const config::RateLimitGuard& a, const config::RateLimitGuard& b) {
  return a.enabled == b.enabled && a.per_source_rps == b.per_source_rps && a.per_impi_rps == b.per_impi_rps &&
         a.per_method_rps == b.per_method_rps && a.burst == b.burst &&
         a.authenticated_rps == b.authenticated_rps && a.authenticated_burst == b.authenticated_burst;
}
bool same(const config::BruteForceGuard& a, const config::BruteForceGuard& b) {
  return a.enabled == b.enabled && a.max_failures == b.max_failures && a.window_s == b.window_s &&
         a.lockout_s == b.lockout_s && a.backoff_factor == b.backoff_factor && a.max_lockout_s == b.max_lockout_s &&
         a.per_impi_distributed == b.per_impi_distributed && a.max_challenges_per_impi == b.max_challenges_per_impi &&
         a.max_resyncs == b.max_resyncs;
}
bool same(const config::OverloadGuard& a, const config::OverloadGuard& b) {
  return a.enabled == b.enabled && a.max_inflight == b.max_inflight && a.max_rps == b.max_rps &&
         a.retry_after_s == b.retry_after_s;
}

}  // namespace

// One immutable set of guards: what the message path reads through current_.
struct Chain::Generation {
  config::Guards settings;
  std::vector<Prefix> allowlist;
  std::vector<std::shared_ptr<Guard>> guards;  // shared: an unchanged guard moves to the next generation
  std::vector<Guard*> raw, request, auth;
  OverloadGuard* overload = nullptr;
  // Guards switched off by a reload that others may still point at (the brute-force guard,
  // which the state sync holds): kept alive, never called.
  std::vector<std::shared_ptr<Guard>> keep_alive;

  std::shared_ptr<Guard> find(std::string_view name) const {
    for (const auto& g : guards)
      if (g->name() == name) return g;
    return nullptr;
  }
};

Chain::Inflight::Inflight(OverloadGuard* g) : guard_(g) {
  if (guard_) guard_->enter();
}
Chain::Inflight::~Inflight() {
  if (guard_) guard_->leave();
}

Chain::Chain(const config::Config& config, ChainDeps deps)
    : clock_(deps.clock ? std::move(deps.clock) : Clock(&steady_now_ms)),
      shared_failures_(deps.shared_failures),
      metrics_(*deps.metrics),
      events_(*deps.events),
      registered_ttl_ms_(static_cast<int64_t>(config.registrar.max_expires_s) * 1000),
      passed_(metrics_.get("imsguard_guard_passed_total", "messages that passed the raw-bytes guards")) {}

Chain::~Chain() { stop_control(); }

StatusOr<std::unique_ptr<Chain>> Chain::create(const config::Config& config, ChainDeps deps) {
  std::unique_ptr<Chain> chain(new Chain(config, std::move(deps)));
  auto live = chain->build(config, nullptr, nullptr);
  if (!live.ok()) return live.status();
  chain->live_ = std::move(live).value();
  chain->current_.store(chain->live_.get(), std::memory_order_release);
  return chain;
}

StatusOr<std::unique_ptr<Chain::Generation>> Chain::build(const config::Config& config, const Generation* previous,
                                                          std::vector<std::string>* notes) {
  auto gen = std::make_unique<Generation>();
  const auto& g = config.guards;
  gen->settings = g;
  for (const auto& text : g.flood.allowlist) {
    auto p = parse_prefix(text);
    if (!p) return invalid_argument("guards.flood.allowlist: " + p.message());
    gen->allowlist.push_back(*p);
  }
  auto note = [&](std::string text) {
    if (notes) notes->push_back(std::move(text));
  };
  const config::Guards* old = previous ? &previous->settings : nullptr;
  for (const auto& name : g.order) {
    std::shared_ptr<Guard> guard;
    std::shared_ptr<Guard> kept = previous ? previous->find(name) : nullptr;
    if (name == "banlist" && g.banlist.enabled) {
      guard = kept ? kept : std::make_shared<BanlistGuard>(bans_, metrics_);
    } else if (name == "flood" && g.flood.enabled) {
      guard = kept && same(old->flood, g.flood) ? kept : std::make_shared<FloodGuard>(g.flood, bans_, metrics_, events_);
    } else if (name == "scanner" && g.scanner.enabled) {
      guard = kept && same(old->scanner, g.scanner) ? kept : std::make_shared<ScannerGuard>(g.scanner, bans_, metrics_, events_);
    } else if (name == "ratelimit" && g.ratelimit.enabled) {
      guard = kept && same(old->ratelimit, g.ratelimit) ? kept : std::make_shared<RateLimitGuard>(g.ratelimit, metrics_, events_);
    } else if (name == "bruteforce" && g.bruteforce.enabled) {
      // Its lockouts must survive a reload, and the state sync holds on to it: it stays, and
      // takes the new thresholds in place.
      guard = kept ? kept : std::make_shared<BruteForceGuard>(g.bruteforce, metrics_, events_, shared_failures_);
      if (kept && !same(old->bruteforce, g.bruteforce)) {
        static_cast<BruteForceGuard*>(kept.get())->reconfigure(g.bruteforce);
        note("guards.bruteforce: new thresholds applied (counts and lockouts in force are kept)");
      }
    } else if (name == "overload" && g.overload.enabled) {
      guard = kept && same(old->overload, g.overload) ? kept : std::make_shared<OverloadGuard>(g.overload, metrics_);
      gen->overload = static_cast<OverloadGuard*>(guard.get());
    }
    if (!guard) continue;
    if (kept && guard != kept) note("guards." + name + ": new settings applied (its counting state starts afresh)");
    // Which hooks a guard uses is fixed by its kind: raw-bytes guards must not need a parse.
    if (name == "banlist" || name == "flood") gen->raw.push_back(guard.get());
    else gen->request.push_back(guard.get());
    if (name == "bruteforce") gen->auth.push_back(guard.get());
    gen->guards.push_back(std::move(guard));
  }
  if (previous) {
    // A brute-force guard switched off stays alive (not called): the state sync points at it.
    gen->keep_alive = previous->keep_alive;
    if (auto bf = previous->find("bruteforce"); bf && !gen->find("bruteforce")) gen->keep_alive.push_back(bf);
    for (const auto& guard : gen->guards)
      if (!previous->find(guard->name())) note("guards." + std::string(guard->name()) + ": switched on");
    for (const auto& guard : previous->guards)
      if (!gen->find(guard->name())) note("guards." + std::string(guard->name()) + ": switched off");
    if (g.flood.allowlist != old->flood.allowlist)
      note("guards.flood.allowlist: " + std::to_string(gen->allowlist.size()) + " entries applied");
    if (g.order != old->order) note("guards.order: applied");
    if (g.banlist.default_ttl_s != old->banlist.default_ttl_s)
      note("guards.banlist.default_ttl_s: operators' bans without a TTL now last " +
           std::to_string(g.banlist.default_ttl_s) + " s");
  }
  return gen;
}

Chain::ReloadResult Chain::reload(const config::Config& config) { return reload(config, now_ms()); }

size_t Chain::retired_generations() const {
  std::lock_guard lock(reload_mutex_);
  return retired_.size();
}

Chain::ReloadResult Chain::reload(const config::Config& config, int64_t now) {
  std::lock_guard lock(reload_mutex_);
  ReloadResult result;
  auto next = build(config, live_.get(), &result.notes);
  if (!next.ok()) {
    result.error = next.status();
    return result;
  }
  current_.store(next->get(), std::memory_order_release);
  retired_.emplace_back(now, std::move(live_));
  live_ = std::move(next).value();
  std::erase_if(retired_, [now](const auto& r) { return now - r.first > kRetireGraceMs; });
  return result;
}

config::Guards Chain::settings() const { return current().settings; }

OverloadGuard* Chain::load_tracker() const { return current().overload; }

Context Chain::context(const net::Flow& flow, int64_t now) const {
  Context ctx{flow, now, Address::from(flow.address), hash_flow(flow), false, false};
  ctx.registered = registered_.contains(ctx.flow_hash, now);
  ctx.address_registered = ctx.registered || registered_addresses_.contains(hash_address(ctx.address, kAddressSalt), now);
  for (const auto& p : current().allowlist)
    if (p.contains(ctx.address)) {
      ctx.allowlisted = true;
      break;
    }
  return ctx;
}

Verdict Chain::on_raw(const Context& ctx, std::string_view bytes) {
  for (Guard* g : current().raw)
    if (Verdict v = g->on_raw(ctx, bytes); v.stops()) return v;
  passed_.inc();
  return Verdict::pass();
}

Verdict Chain::on_request(const Context& ctx, const sip::Message& msg) {
  for (Guard* g : current().request)
    if (Verdict v = g->on_request(ctx, msg); v.stops()) return v;
  return Verdict::pass();
}

void Chain::on_auth(const Context& ctx, const sip::Message& msg, const AuthInfo& info) {
  for (Guard* g : current().auth) g->on_auth(ctx, msg, info);
  if (info.event == AuthEvent::kAuthenticated) {
    registered_.add(ctx.flow_hash, ctx.now_ms + registered_ttl_ms_);
    registered_addresses_.add(hash_address(ctx.address, kAddressSalt), ctx.now_ms + registered_ttl_ms_);
  }
}

std::vector<std::string_view> Chain::names() const {
  std::vector<std::string_view> out;
  for (const auto& g : current().guards) out.push_back(g->name());
  return out;
}

Guard* Chain::find(std::string_view name) const {
  for (const auto& g : current().guards)
    if (g->name() == name) return g.get();
  return nullptr;
}

size_t Chain::memory_bytes() const {
  const auto& gen = current();
  size_t n = sizeof(*this) + sizeof(Generation) + registered_.memory_bytes() + registered_addresses_.memory_bytes() + gen.allowlist.capacity() * sizeof(Prefix);
  bool banlist_counted = false;
  for (const auto& g : gen.guards) {
    n += g->memory_bytes();
    banlist_counted |= g->name() == "banlist";
  }
  if (!banlist_counted) n += bans_.memory_bytes();
  return n;
}

Status Chain::start_control(const std::string& socket_path) {
  stop_control();
  control_ = std::make_unique<ControlServer>(
      bans_, events_, clock_, [this] { return current().settings.banlist.default_ttl_s; },
      [this] { return dynamic_cast<BruteForceGuard*>(find("bruteforce")); });  // lockouts for `ban list` and `unlock`
  Status started = control_->start(socket_path);
  if (!started.ok()) control_.reset();
  return started;
}

void Chain::stop_control() {
  if (control_) control_->stop();
  control_.reset();
}

}  // namespace imsguard::guard
