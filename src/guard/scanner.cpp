#include "guard/scanner.h"

#include "ops/episodes.h"
#include "sip/uri.h"

#include <bit>
#include <cmath>

namespace imsguard::guard {

namespace {

// Product names of known tools, lower case. A User-Agent is a list of products (RFC 3261
// 20.41: server-val = product / comment; product = token [SLASH product-version]) and tokens
// compare case-insensitively (RFC 3261 7.3.1): a fingerprint matches whole product names, in
// sequence when it has several words, never a fragment ("MyCorp SIPClient" is not sipcli).
constexpr std::string_view kAgents[] = {
    "friendly-scanner", "sipvicious", "sipcli", "sipsak", "sundayddr", "vaxsipuseragent", "sip-scan", "sipscan",
    "iwar", "sivus", "smap", "pplsip", "voiper", "nmap", "masscan", "sip auditor", "siparmyknife", "fpbx-scanner"};

// RFC 3261 25.1 token characters.
bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '-': case '.': case '!': case '%': case '*': case '_': case '+': case '`': case '\'': case '~': return true;
    default: return false;
  }
}

bool equal_ci(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (c != lower[i]) return false;
  }
  return true;
}

// Up to kMaxProducts product names of a User-Agent or Server value, comments skipped.
constexpr size_t kMaxProducts = 16;
size_t product_names(std::string_view v, std::array<std::string_view, kMaxProducts>& out) {
  size_t n = 0, i = 0;
  while (i < v.size() && n < kMaxProducts) {
    char c = v[i];
    if (c == '(') {  // comment, nested, with quoted-pairs
      int depth = 0;
      for (; i < v.size(); ++i) {
        if (v[i] == '\\') ++i;
        else if (v[i] == '(') ++depth;
        else if (v[i] == ')' && --depth == 0) break;
      }
      ++i;
      continue;
    }
    if (!is_token_char(c)) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < v.size() && is_token_char(v[i])) ++i;
    out[n++] = v.substr(start, i - start);
    if (i < v.size() && v[i] == '/') {  // product-version: not a name
      ++i;
      while (i < v.size() && is_token_char(v[i])) ++i;
    }
  }
  return n;
}

// Whether the words of `fingerprint` (one or more, space separated) are consecutive names.
bool matches(const std::array<std::string_view, kMaxProducts>& names, size_t n, std::string_view fingerprint) {
  for (size_t first = 0; first < n; ++first) {
    std::string_view rest = fingerprint;
    size_t k = first;
    bool ok = true;
    while (!rest.empty()) {
      size_t sp = rest.find(' ');
      std::string_view word = rest.substr(0, sp);
      if (k >= n || !equal_ci(names[k], word)) {
        ok = false;
        break;
      }
      ++k;
      rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
    }
    if (ok) return true;
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
  std::array<std::string_view, kMaxProducts> names;
  size_t n = product_names(ua, names);
  for (auto a : kAgents)
    if (matches(names, n, a)) return true;
  return false;
}

ScannerGuard::ScannerGuard(const config::ScannerGuard& config, BanList& bans, ops::CounterRegistry& metrics,
                           ops::EventSink& events)
    : config_(config),
      bans_(bans),
      table_(16384),
      dropped_(metrics.get("imsguard_guard_dropped_total{guard=\"scanner\"}")),
      banned_(metrics.get("imsguard_guard_bans_total{guard=\"scanner\"}")),
      spared_(metrics.get("imsguard_guard_bans_withheld_total{guard=\"scanner\"}",
                                  "bans withheld: UDP evidence against an address with a registered flow")),
      events_(events) {}

Verdict ScannerGuard::act(const Context& ctx, std::string_view why) {
  dropped_.inc();
  std::string src = ctx.flow.to_string();
  if (!ctx.may_ban()) {
    // A datagram in the name of a registered phone: drop it, keep the phone (F8).
    spared_.inc();
    std::string reason = std::string(why) + " (UDP from an address with a registered flow: dropped, not banned)";
    ops::emit_episode(events_, {"scanner", src, "", "drop", reason}, episode_key(ctx));
    return Verdict::drop("scanner", "scanner");
  }
  std::string reason(why);
  if (bans_.ban(Prefix{ctx.address, 128}, ctx.registered ? ctx.flow.port : 0, config_.ban_ttl_s, reason, "scanner",
                true, ctx.now_ms)) {
    banned_.inc();
    ops::emit_episode(events_, {"scanner", src, "", "ban", reason}, episode_key(ctx));
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
