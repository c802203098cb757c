#include "guard/chain.h"

#include "guard/bruteforce.h"
#include "guard/control.h"
#include "guard/flood.h"
#include "guard/overload.h"
#include "guard/ratelimit.h"
#include "guard/scanner.h"

#include <chrono>

namespace imsguard::guard {

Chain::Inflight::Inflight(OverloadGuard* g) : guard_(g) {
  if (guard_) guard_->enter();
}
Chain::Inflight::~Inflight() {
  if (guard_) guard_->leave();
}

int64_t Chain::now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

Chain::Chain(const config::Config& config)
    : default_ban_ttl_s_(config.guards.banlist.default_ttl_s),
      registered_ttl_ms_(static_cast<int64_t>(config.registrar.max_expires_s) * 1000),
      passed_(ops::counters().get("imsguard_guard_passed_total", "messages that passed the raw-bytes guards")) {}

Chain::~Chain() { stop_control(); }

std::unique_ptr<Chain> Chain::create(const config::Config& config, std::string& error) {
  std::unique_ptr<Chain> chain(new Chain(config));
  const auto& g = config.guards;
  for (const auto& text : g.flood.allowlist) {
    std::string why;
    auto p = parse_prefix(text, &why);
    if (!p) {
      error = "guards.flood.allowlist: " + why;
      return nullptr;
    }
    chain->allowlist_.push_back(*p);
  }
  for (const auto& name : g.order) {
    std::unique_ptr<Guard> guard;
    if (name == "banlist" && g.banlist.enabled) guard = std::make_unique<BanlistGuard>(chain->bans_);
    else if (name == "flood" && g.flood.enabled) guard = std::make_unique<FloodGuard>(g.flood, chain->bans_);
    else if (name == "scanner" && g.scanner.enabled) guard = std::make_unique<ScannerGuard>(g.scanner, chain->bans_);
    else if (name == "ratelimit" && g.ratelimit.enabled) guard = std::make_unique<RateLimitGuard>(g.ratelimit);
    else if (name == "bruteforce" && g.bruteforce.enabled) guard = std::make_unique<BruteForceGuard>(g.bruteforce);
    else if (name == "overload" && g.overload.enabled) {
      auto o = std::make_unique<OverloadGuard>(g.overload);
      chain->overload_ = o.get();
      guard = std::move(o);
    }
    if (!guard) continue;
    // Which hooks a guard uses is fixed by its kind: raw-bytes guards must not need a parse.
    if (name == "banlist" || name == "flood") chain->raw_.push_back(guard.get());
    else chain->request_.push_back(guard.get());
    if (name == "bruteforce") chain->auth_.push_back(guard.get());
    chain->guards_.push_back(std::move(guard));
  }
  return chain;
}

Context Chain::context(const net::Flow& flow, int64_t now) const {
  Context ctx{flow, now, Address::from(flow.address), hash_flow(flow), false, false};
  ctx.registered = registered_.contains(ctx.flow_hash, now);
  for (const auto& p : allowlist_)
    if (p.contains(ctx.address)) {
      ctx.allowlisted = true;
      break;
    }
  return ctx;
}

Verdict Chain::on_raw(const Context& ctx, std::string_view bytes) {
  for (Guard* g : raw_)
    if (Verdict v = g->on_raw(ctx, bytes); v.stops()) return v;
  passed_.inc();
  return Verdict::pass();
}

Verdict Chain::on_request(const Context& ctx, const sip::Message& msg) {
  for (Guard* g : request_)
    if (Verdict v = g->on_request(ctx, msg); v.stops()) return v;
  return Verdict::pass();
}

void Chain::on_auth(const Context& ctx, const sip::Message& msg, const AuthInfo& info) {
  for (Guard* g : auth_) g->on_auth(ctx, msg, info);
  if (info.event == AuthEvent::kAuthenticated) registered_.add(ctx.flow_hash, ctx.now_ms + registered_ttl_ms_);
}

std::vector<std::string_view> Chain::names() const {
  std::vector<std::string_view> out;
  for (const auto& g : guards_) out.push_back(g->name());
  return out;
}

Guard* Chain::find(std::string_view name) const {
  for (const auto& g : guards_)
    if (g->name() == name) return g.get();
  return nullptr;
}

size_t Chain::memory_bytes() const {
  size_t n = sizeof(*this) + registered_.memory_bytes() + allowlist_.capacity() * sizeof(Prefix);
  bool banlist_counted = false;
  for (const auto& g : guards_) {
    n += g->memory_bytes();
    banlist_counted |= g->name() == "banlist";
  }
  if (!banlist_counted) n += bans_.memory_bytes();
  return n;
}

std::string Chain::start_control(const std::string& socket_path) {
  stop_control();
  control_ = std::make_unique<ControlServer>(bans_, default_ban_ttl_s_);
  std::string err = control_->start(socket_path);
  if (!err.empty()) control_.reset();
  return err;
}

void Chain::stop_control() {
  if (control_) control_->stop();
  control_.reset();
}

}  // namespace imsguard::guard
