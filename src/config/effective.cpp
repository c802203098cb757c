#include "config/effective.h"

#include "config/effective_yaml.h"

#include <yaml-cpp/yaml.h>

namespace imsguard::config {

namespace {

// redis://[user]:password@host... -> the password replaced.
std::string redact_state(const std::string& state) {
  auto scheme = state.find("://");
  auto at = state.find('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return state;
  auto colon = state.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return state;
  return state.substr(0, colon + 1) + kRedacted + state.substr(at);
}

YAML::Node list(const std::vector<std::string>& items) {
  YAML::Node n(YAML::NodeType::Sequence);
  for (const auto& i : items) n.push_back(i);
  n.SetStyle(YAML::EmitterStyle::Flow);
  return n;
}

YAML::Node endpoint(const Endpoint& e) {
  YAML::Node n;
  n["address"] = e.address;
  n["port"] = e.port;
  n.SetStyle(YAML::EmitterStyle::Flow);
  return n;
}

// Every key of the Config, in the order of config/imsguard.yaml. A key added to the struct
// and the loader must be added here too: ConfigDefaults.* tests compare this tree with the
// embedded file key by key and fail naming the missing one.
YAML::Node tree(const Config& c, bool with_secrets) {
  YAML::Node root;
  root["roles"] = list(c.roles);
  root["data_dir"] = c.data_dir;
  root["state"] = with_secrets ? c.state : redact_state(c.state);
  root["log"]["level"] = c.log_level;
  root["events"]["output"] = c.events_output;

  YAML::Node sip = root["sip"];
  sip["domain"] = c.sip.domain;
  sip["workers"] = c.sip.workers;
  sip["max_transactions"] = c.sip.max_transactions;
  sip["max_client_transactions"] = c.sip.max_client_transactions;
  sip["timers"]["t1_ms"] = c.sip.timers.t1_ms;
  sip["timers"]["t2_ms"] = c.sip.timers.t2_ms;
  sip["timers"]["c_ms"] = c.sip.timers.c_ms;
  sip["peers"] = list(c.sip.peers);
  sip["peer_key_file"] = c.sip.peer_key_file;
  YAML::Node listen(YAML::NodeType::Sequence);
  for (const auto& l : c.sip.listen) {
    YAML::Node e;
    e["transport"] = std::string(transport_name(l.transport));
    e["address"] = l.address;
    e["port"] = l.port;
    e.SetStyle(YAML::EmitterStyle::Flow);
    listen.push_back(e);
  }
  sip["listen"] = listen;
  sip["limits"]["max_message_bytes"] = c.sip.limits.max_message_bytes;
  sip["limits"]["max_headers"] = c.sip.limits.max_headers;
  sip["limits"]["max_header_bytes"] = c.sip.limits.max_header_bytes;
  sip["limits"]["max_via"] = c.sip.limits.max_via;

  root["tls"]["ca"] = c.tls.ca;
  root["tls"]["cert"] = c.tls.cert;
  root["tls"]["key"] = c.tls.key;
  root["tls"]["min_version"] = c.tls.min_version;

  root["connections"]["max_per_source"] = c.connections.max_per_source;
  root["connections"]["max_total"] = c.connections.max_total;
  root["connections"]["idle_timeout_s"] = c.connections.idle_timeout_s;
  root["connections"]["message_deadline_s"] = c.connections.message_deadline_s;
  root["connections"]["first_byte_deadline_s"] = c.connections.first_byte_deadline_s;
  root["connections"]["tls_handshake_deadline_s"] = c.connections.tls_handshake_deadline_s;

  YAML::Node auth = root["auth"];
  auth["realm"] = c.auth.realm;
  auth["digest_algorithms"] = list(c.auth.digest_algorithms);
  auth["qop"] = c.auth.qop;
  auth["nonce_lifetime_s"] = c.auth.nonce_lifetime_s;
  auth["nonce_secret_rotation_s"] = c.auth.nonce_secret_rotation_s;
  auth["aka"] = c.auth.aka;
  auth["digest"] = c.auth.digest;
  auth["md5_only_user_agents"] = list(c.auth.md5_only_user_agents);

  YAML::Node reg = root["registrar"];
  reg["min_expires_s"] = c.registrar.min_expires_s;
  reg["max_expires_s"] = c.registrar.max_expires_s;
  reg["default_expires_s"] = c.registrar.default_expires_s;
  reg["subscriber_cache_ms"] = c.registrar.subscriber_cache_ms;
  reg["binding_flush_ms"] = c.registrar.binding_flush_ms;

  root["identity"]["assert_authenticated"] = c.identity.assert_authenticated;

  const Guards& g = c.guards;
  YAML::Node guards = root["guards"];
  guards["order"] = list(g.order);
  guards["banlist"]["enabled"] = g.banlist.enabled;
  guards["banlist"]["default_ttl_s"] = g.banlist.default_ttl_s;
  YAML::Node flood = guards["flood"];
  flood["enabled"] = g.flood.enabled;
  flood["window_s"] = g.flood.window_s;
  flood["max_per_source"] = g.flood.max_per_source;
  flood["max_per_prefix"] = g.flood.max_per_prefix;
  flood["ban_ttl_s"] = g.flood.ban_ttl_s;
  flood["memory_budget_kb"] = g.flood.memory_budget_kb;
  flood["allowlist"] = list(g.flood.allowlist);
  YAML::Node scanner = guards["scanner"];
  scanner["enabled"] = g.scanner.enabled;
  scanner["ban_ttl_s"] = g.scanner.ban_ttl_s;
  scanner["max_distinct_users"] = g.scanner.max_distinct_users;
  scanner["window_s"] = g.scanner.window_s;
  YAML::Node rl = guards["ratelimit"];
  rl["enabled"] = g.ratelimit.enabled;
  rl["per_source_rps"] = g.ratelimit.per_source_rps;
  rl["per_impi_rps"] = g.ratelimit.per_impi_rps;
  rl["per_method_rps"] = g.ratelimit.per_method_rps;
  rl["burst"] = g.ratelimit.burst;
  rl["authenticated_rps"] = g.ratelimit.authenticated_rps;
  rl["authenticated_burst"] = g.ratelimit.authenticated_burst;
  YAML::Node bf = guards["bruteforce"];
  bf["enabled"] = g.bruteforce.enabled;
  bf["max_failures"] = g.bruteforce.max_failures;
  bf["window_s"] = g.bruteforce.window_s;
  bf["lockout_s"] = g.bruteforce.lockout_s;
  bf["backoff_factor"] = g.bruteforce.backoff_factor;
  bf["max_lockout_s"] = g.bruteforce.max_lockout_s;
  bf["per_impi_distributed"] = g.bruteforce.per_impi_distributed;
  bf["max_challenges_per_impi"] = g.bruteforce.max_challenges_per_impi;
  bf["max_resyncs"] = g.bruteforce.max_resyncs;
  YAML::Node ov = guards["overload"];
  ov["enabled"] = g.overload.enabled;
  ov["max_inflight"] = g.overload.max_inflight;
  ov["max_rps"] = g.overload.max_rps;
  ov["retry_after_s"] = g.overload.retry_after_s;

  root["core"]["scscf"] = c.core.scscf;

  YAML::Node sb = root["servicebox"];
  sb["sip_listen"] = endpoint(c.servicebox.sip_listen);
  sb["https_listen"] = endpoint(c.servicebox.https_listen);
  sb["require_mtls"] = c.servicebox.require_mtls;
  sb["require_signed_assertion"] = c.servicebox.require_signed_assertion;
  sb["token_lifetime_s"] = c.servicebox.token_lifetime_s;
  YAML::Node services(YAML::NodeType::Sequence);
  for (const auto& s : c.servicebox.services) {
    YAML::Node e;
    e["name"] = s.name;
    e["method"] = s.method;
    if (s.may_assert) e["may_assert"] = list(*s.may_assert);
    if (s.allowed_headers) e["allowed_headers"] = list(*s.allowed_headers);
    e.SetStyle(YAML::EmitterStyle::Flow);
    services.push_back(e);
  }
  sb["services"] = services;

  root["media"]["srtp_policy"] = std::string(srtp_policy_name(c.media.srtp_policy));
  root["media"]["sdes_requires_tls"] = c.media.sdes_requires_tls;
  root["media"]["crypto_suites"] = list(c.media.crypto_suites);
  root["media"]["max_sessions_per_subscriber"] = c.media.max_sessions_per_subscriber;
  root["media"]["max_sessions"] = c.media.max_sessions;

  root["admin"]["listen"] = endpoint(c.admin.listen);
  root["admin"]["token"] = with_secrets || c.admin.token.empty() ? c.admin.token : std::string(kRedacted) + "-admin-token";
  return root;
}

std::string emit(const YAML::Node& n) {
  YAML::Emitter out;
  out << n;
  return out.c_str();
}

void walk(const YAML::Node& n, const std::string& path, FlatConfig& out) {
  if (n.IsMap()) {
    for (const auto& kv : n) walk(kv.second, path.empty() ? kv.first.Scalar() : path + "." + kv.first.Scalar(), out);
    return;
  }
  if (n.IsSequence()) {
    YAML::Node copy = YAML::Clone(n);
    copy.SetStyle(YAML::EmitterStyle::Flow);
    out.emplace_back(path, emit(copy));
    return;
  }
  out.emplace_back(path, n.Scalar());
}

}  // namespace

std::string effective_config_yaml(const Config& c, bool with_secrets) { return emit(tree(c, with_secrets)) + "\n"; }

FlatConfig flatten(const Config& c) {
  FlatConfig out;
  walk(tree(c, true), "", out);
  return out;
}

std::vector<std::string> changed_keys(const Config& a, const Config& b) {
  FlatConfig fa = flatten(a), fb = flatten(b);
  std::vector<std::string> out;
  for (size_t i = 0; i < fa.size() && i < fb.size(); ++i)
    if (fa[i].first == fb[i].first && fa[i].second != fb[i].second) out.push_back(fa[i].first);
  return out;
}

}  // namespace imsguard::config
