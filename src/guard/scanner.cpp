#include "guard/scanner.h"

#include "ops/events.h"
#include "sip/uri.h"

#include <bit>
#include <cmath>

namespace imsguard::guard {

namespace {

// Lower-case fragments; matched case-insensitively anywhere in the User-Agent.
constexpr std::string_view kAgents[] = {
    "friendly-scanner", "sipvicious", "sipcli", "sipsak", "sundayddr", "vaxsipuseragent", "sip-scan", "sipscan",
    "iwar", "sivus", "smap", "pplsip", "voiper", "nmap", "masscan", "sip auditor", "siparmyknife", "fpbx-scanner"};

bool contains_ci(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    size_t j = 0;
    for (; j < needle.size(); ++j) {
      char c = hay[i + j];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
      if (c != needle[j]) break;
    }
    if (j == needle.size()) return true;
  }
  return false;
}

// Linear counting over a 256-bit bitmap: distinct values seen.
double distinct(const std::array<uint64_t, 4>& bits) {
  int set = 0;
  for (uint64_t w : bits) set += std::popcount(w);
  if (set >= 256) return 1e9;
  return -256.0 * std::log(static_cast<double>(256 - set) / 256.0);
}

}  // namespace

bool is_scanner_agent(std::string_view ua) {
  if (ua.empty()) return false;
  for (auto a : kAgents)
    if (contains_ci(ua, a)) return true;
  return false;
}

ScannerGuard::ScannerGuard(const config::ScannerGuard& config, BanList& bans)
    : config_(config),
      bans_(bans),
      table_(16384),
      dropped_(ops::counters().get("imsguard_guard_dropped_total{guard=\"scanner\"}")),
      banned_(ops::counters().get("imsguard_guard_bans_total{guard=\"scanner\"}")) {}

Verdict ScannerGuard::act(const Context& ctx, std::string_view why) {
  dropped_.inc();
  std::string reason(why);
  if (bans_.ban(Prefix{ctx.address, 128}, ctx.registered ? ctx.flow.port : 0, config_.ban_ttl_s, reason, "scanner",
                true, ctx.now_ms)) {
    banned_.inc();
    std::string src = ctx.flow.to_string();
    ops::events().emit({"scanner", src, "", "ban", reason});
  }
  return Verdict::drop("scanner", "scanner");
}

Verdict ScannerGuard::on_request(const Context& ctx, const sip::Message& msg) {
  if (ctx.allowlisted) return Verdict::pass();
  std::string_view ua = msg.user_agent();
  if (is_scanner_agent(ua)) {
    std::string why = "scanner fingerprint: User-Agent \"" + std::string(ua.substr(0, 64)) + "\"";
    return act(ctx, why);
  }
  // A phone that authenticated may call many people; sweeps come from strangers.
  if (ctx.registered) return Verdict::pass();
  std::string_view user;
  bool is_options = msg.method() == sip::Method::kOptions;
  if (msg.method() == sip::Method::kRegister) {
    if (auto to = msg.to()) user = to->uri.user;
  } else if (auto ruri = sip::parse_uri(msg.request_uri())) {
    user = ruri->user;
  }
  int64_t window_ms = static_cast<int64_t>(config_.window_s) * 1000;
  uint32_t max_users = config_.max_distinct_users;
  const char* sweep = table_.with(hash_address(ctx.address, 0x5ca), ctx.now_ms, [&](Sweep& s, bool) -> const char* {
    if (ctx.now_ms - s.window_start_ms >= window_ms) s = Sweep{ctx.now_ms, {}, 0};
    if (!user.empty()) {
      uint64_t h = hash_text_ci(user, 0x5ca);
      s.users[(h >> 6) & 3] |= uint64_t{1} << (h & 63);
    }
    if (is_options) ++s.options;
    if (distinct(s.users) > max_users) return "many distinct users";
    if (s.options > max_users) return "OPTIONS sweep";
    return nullptr;
  });
  if (!sweep) return Verdict::pass();
  std::string why = std::string("scanner behaviour: ") + sweep + " from one unauthenticated source within " +
                    std::to_string(config_.window_s) + " s (limit " + std::to_string(max_users) + ")";
  return act(ctx, why);
}

}  // namespace imsguard::guard
