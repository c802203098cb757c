#include "edge/node_admin.h"

#include "config/effective_yaml.h"
#include "guard/bruteforce.h"
#include "ops/events.h"

#include <chrono>

namespace imsguard::edge {

namespace {

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

ops::AdminBinding to_admin(const store::Binding& b, int64_t now) {
  return {b.aor, b.contact, b.impi, b.transport, b.source, std::max<int64_t>(0, b.expires_at - now)};
}

ops::AdminStatus store_failure(const std::string& message) { return {503, "state store: " + message}; }

}  // namespace

NodeAdmin::NodeAdmin(guard::Chain& guards, store::BindingStore& bindings, store::SubscriberStore& subscribers)
    : guards_(guards), bindings_(bindings), subscribers_(subscribers) {}

std::vector<ops::AdminBan> NodeAdmin::list_bans() {
  int64_t now = guards_.now_ms();
  std::vector<ops::AdminBan> out;
  for (const auto& b : guards_.bans().list(now))
    out.push_back({b.prefix.to_string(), b.port, b.reason, b.by, std::max<int64_t>(0, (b.expires_ms - now + 999) / 1000),
                   b.hits, b.automatic});
  return out;
}

ops::AdminStatus NodeAdmin::add_ban(std::string_view text, uint32_t ttl_s, std::string_view reason) {
  auto prefix = guard::parse_prefix(text);
  if (!prefix) return {400, "prefix: " + prefix.message()};
  if (ttl_s == 0) ttl_s = guards_.settings().banlist.default_ttl_s;
  guards_.bans().ban(*prefix, 0, ttl_s, reason, "admin", false, guards_.now_ms());
  guards_.events().emit({"banlist", prefix->to_string(), "", "ban", reason});
  return {201, "banned " + prefix->to_string() + " for " + std::to_string(ttl_s) + " s"};
}

ops::AdminStatus NodeAdmin::remove_ban(std::string_view text, uint16_t port) {
  auto prefix = guard::parse_prefix(text);
  if (!prefix) return {400, "prefix: " + prefix.message()};
  if (!guards_.bans().remove(*prefix, port)) return {404, "no ban for " + prefix->to_string()};
  guards_.events().emit({"banlist", prefix->to_string(), "", "unban", "removed by an operator (admin API)"});
  return {};
}

ops::AdminStatus NodeAdmin::list_registrations(std::vector<ops::AdminBinding>& out) {
  int64_t now = unix_now();
  auto list = bindings_.list(now);
  if (!list.ok()) return store_failure(list.message());
  for (const auto& b : list.value()) out.push_back(to_admin(b, now));
  return {};
}

namespace {

// What an operator types: "sip:alice@ims.example", or "alice@ims.example" for sip:.
std::string aor_of(std::string_view text) {
  std::string uri(text);
  if (uri.find(':') == std::string::npos) uri = "sip:" + uri;
  return Registrar::normalise_aor(uri);
}

ops::AdminLockout to_admin(const guard::Lockout& l, int64_t now_ms) {
  return {std::string(l.kind_name()), l.subject, l.reason, std::max<int64_t>(0, (l.until_ms - now_ms + 999) / 1000)};
}

}  // namespace

ops::AdminStatus NodeAdmin::registrations_of(std::string_view text, std::vector<ops::AdminBinding>& out) {
  std::string aor = aor_of(text);
  if (aor.empty()) return {400, "aor: not a sip or sips URI: " + std::string(text)};
  int64_t now = unix_now();
  auto list = bindings_.lookup(aor, now);
  if (!list.ok()) return store_failure(list.message());
  for (const auto& b : list.value()) out.push_back(to_admin(b, now));
  return {};
}

ops::AdminStatus NodeAdmin::remove_registrations(std::string_view text, std::string_view contact, size_t& removed) {
  std::string aor = aor_of(text);
  if (aor.empty()) return {400, "aor: not a sip or sips URI: " + std::string(text)};
  if (!registrar_) return {404, "this node has no registrar (core.scscf names an external S-CSCF)"};
  auto r = registrar_->remove_bindings(aor, contact);
  if (!r.ok()) return store_failure(r.message());
  removed = r.value();
  if (removed == 0)
    return {404, "no registration of " + aor + (contact.empty() ? std::string() : " with contact " + std::string(contact))};
  return {};
}

std::vector<ops::AdminLockout> NodeAdmin::list_lockouts() {
  std::vector<ops::AdminLockout> out;
  int64_t now = guards_.now_ms();
  if (auto* bf = dynamic_cast<guard::BruteForceGuard*>(guards_.find("bruteforce")))
    for (const auto& l : bf->lockouts(now)) out.push_back(to_admin(l, now));
  return out;
}

ops::AdminStatus NodeAdmin::unlock(std::string_view subject, ops::AdminLockout& lifted) {
  auto* bf = dynamic_cast<guard::BruteForceGuard*>(guards_.find("bruteforce"));
  if (!bf) return {404, "the brute-force guard is off: nothing is locked out"};
  int64_t now = guards_.now_ms();
  auto l = bf->unlock(subject, now);
  if (!l) return {404, "no lockout for " + std::string(subject)};
  lifted = to_admin(*l, now);
  return {};
}

ops::AdminStatus NodeAdmin::subscriber(std::string_view id, ops::AdminSubscriber& out) {
  bool impu = id.rfind("sip:", 0) == 0 || id.rfind("sips:", 0) == 0 || id.rfind("tel:", 0) == 0;
  auto found = impu ? subscribers_.find_by_impu(id) : subscribers_.find(id);
  if (!found.ok()) return store_failure(found.message());
  if (!found.value()) return {404, "no subscriber " + std::string(id)};
  const store::Subscriber& s = *found.value();
  // Copy field by field: the record's secrets (K, OPc, SQN, HA1) must not reach the output.
  out.impi = s.impi;
  out.impus = s.impus;
  out.realm = s.realm;
  out.scheme = std::string(store::auth_scheme_name(s.scheme));
  if (s.scheme == store::AuthScheme::kDigest) {
    if (!s.ha1_md5.empty()) out.digest_algorithms.push_back("MD5");
    if (!s.ha1_sha256.empty()) out.digest_algorithms.push_back("SHA-256");
    if (!s.ha1_sha512_256.empty()) out.digest_algorithms.push_back("SHA-512-256");
  }
  out.barred = s.barred;
  out.services = s.services;
  int64_t now = unix_now();
  for (const auto& aor : s.impus) {
    auto bindings = bindings_.lookup(aor, now);
    if (!bindings.ok()) return store_failure(bindings.message());
    for (const auto& b : bindings.value()) out.registrations.push_back(to_admin(b, now));
  }
  if (auto* bf = dynamic_cast<guard::BruteForceGuard*>(guards_.find("bruteforce")))
    out.lockout_remaining_s = (bf->impi_locked_ms(s.impi, guards_.now_ms()) + 999) / 1000;
  return {};
}

void NodeAdmin::set_config(const config::Config& config) {
  std::string yaml = config::effective_yaml(config);
  std::lock_guard<std::mutex> lock(config_mu_);
  config_yaml_ = std::move(yaml);
}

ops::AdminStatus NodeAdmin::effective_config(std::string& yaml) {
  std::lock_guard<std::mutex> lock(config_mu_);
  if (config_yaml_.empty()) return {503, "configuration not yet recorded"};
  yaml = config_yaml_;
  return {};
}

}  // namespace imsguard::edge
