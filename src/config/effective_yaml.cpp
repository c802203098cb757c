#include "config/effective_yaml.h"

#include <yaml-cpp/yaml.h>

namespace imsguard::config {

namespace {

// redis://[:password@]host... -> the password replaced.
std::string redact_state(const std::string& state) {
  auto scheme = state.find("://");
  auto at = state.find('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return state;
  auto colon = state.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return state;
  return state.substr(0, colon + 1) + kRedacted + state.substr(at);
}

void endpoint(YAML::Emitter& e, const char* key, const Endpoint& ep) {
  e << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "address" << YAML::Value
    << ep.address << YAML::Key << "port" << YAML::Value << ep.port << YAML::EndMap;
}

void strings(YAML::Emitter& e, const char* key, const std::vector<std::string>& v) {
  e << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& s : v) e << s;
  e << YAML::EndSeq;
}

}  // namespace

std::string effective_yaml(const Config& c) {
  YAML::Emitter e;
  e << YAML::BeginMap;
  strings(e, "roles", c.roles);
  e << YAML::Key << "data_dir" << YAML::Value << c.data_dir;
  e << YAML::Key << "state" << YAML::Value << redact_state(c.state);
  e << YAML::Key << "log" << YAML::Value << YAML::BeginMap << YAML::Key << "level" << YAML::Value << c.log_level << YAML::EndMap;
  e << YAML::Key << "events" << YAML::Value << YAML::BeginMap << YAML::Key << "output" << YAML::Value << c.events_output
    << YAML::EndMap;

  e << YAML::Key << "sip" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "domain" << YAML::Value << c.sip.domain;
  e << YAML::Key << "workers" << YAML::Value << c.sip.workers;
  e << YAML::Key << "max_transactions" << YAML::Value << c.sip.max_transactions;
  e << YAML::Key << "max_client_transactions" << YAML::Value << c.sip.max_client_transactions;
  e << YAML::Key << "timers" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "t1_ms" << YAML::Value
    << c.sip.timers.t1_ms << YAML::Key << "t2_ms" << YAML::Value << c.sip.timers.t2_ms << YAML::Key << "c_ms"
    << YAML::Value << c.sip.timers.c_ms << YAML::EndMap;
  strings(e, "peers", c.sip.peers);
  e << YAML::Key << "peer_key_file" << YAML::Value << c.sip.peer_key_file;
  e << YAML::Key << "listen" << YAML::Value << YAML::BeginSeq;
  for (const auto& l : c.sip.listen)
    e << YAML::Flow << YAML::BeginMap << YAML::Key << "transport" << YAML::Value << std::string(transport_name(l.transport))
      << YAML::Key << "address" << YAML::Value << l.address << YAML::Key << "port" << YAML::Value << l.port << YAML::EndMap;
  e << YAML::EndSeq;
  e << YAML::Key << "limits" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "max_message_bytes"
    << YAML::Value << c.sip.limits.max_message_bytes << YAML::Key << "max_headers" << YAML::Value << c.sip.limits.max_headers
    << YAML::Key << "max_header_bytes" << YAML::Value << c.sip.limits.max_header_bytes << YAML::Key << "max_via"
    << YAML::Value << c.sip.limits.max_via << YAML::EndMap;
  e << YAML::EndMap;

  e << YAML::Key << "tls" << YAML::Value << YAML::BeginMap << YAML::Key << "ca" << YAML::Value << c.tls.ca << YAML::Key
    << "cert" << YAML::Value << c.tls.cert << YAML::Key << "key" << YAML::Value << c.tls.key << YAML::Key << "min_version"
    << YAML::Value << YAML::DoubleQuoted << c.tls.min_version << YAML::EndMap;
  e << YAML::Key << "connections" << YAML::Value << YAML::BeginMap << YAML::Key << "max_per_source" << YAML::Value
    << c.connections.max_per_source << YAML::Key << "max_total" << YAML::Value << c.connections.max_total << YAML::Key
    << "idle_timeout_s" << YAML::Value << c.connections.idle_timeout_s << YAML::Key << "message_deadline_s" << YAML::Value
    << c.connections.message_deadline_s << YAML::Key << "first_byte_deadline_s" << YAML::Value
    << c.connections.first_byte_deadline_s << YAML::Key << "tls_handshake_deadline_s" << YAML::Value
    << c.connections.tls_handshake_deadline_s << YAML::EndMap;

  e << YAML::Key << "auth" << YAML::Value << YAML::BeginMap << YAML::Key << "realm" << YAML::Value << c.auth.realm;
  strings(e, "digest_algorithms", c.auth.digest_algorithms);
  e << YAML::Key << "qop" << YAML::Value << c.auth.qop << YAML::Key << "nonce_lifetime_s" << YAML::Value
    << c.auth.nonce_lifetime_s << YAML::Key << "nonce_secret_rotation_s" << YAML::Value << c.auth.nonce_secret_rotation_s
    << YAML::Key << "aka" << YAML::Value << c.auth.aka << YAML::Key << "digest" << YAML::Value << c.auth.digest
    << YAML::EndMap;
  e << YAML::Key << "registrar" << YAML::Value << YAML::BeginMap << YAML::Key << "min_expires_s" << YAML::Value
    << c.registrar.min_expires_s << YAML::Key << "max_expires_s" << YAML::Value << c.registrar.max_expires_s << YAML::Key
    << "default_expires_s" << YAML::Value << c.registrar.default_expires_s << YAML::Key << "subscriber_cache_ms"
    << YAML::Value << c.registrar.subscriber_cache_ms << YAML::Key << "binding_flush_ms" << YAML::Value
    << c.registrar.binding_flush_ms << YAML::EndMap;
  e << YAML::Key << "identity" << YAML::Value << YAML::BeginMap << YAML::Key << "strip_client_asserted" << YAML::Value
    << c.identity.strip_client_asserted << YAML::Key << "assert_authenticated" << YAML::Value
    << c.identity.assert_authenticated << YAML::Key << "topology_hiding" << YAML::Value << c.identity.topology_hiding
    << YAML::EndMap;

  const auto& g = c.guards;
  auto sw = [&e](const char* key, bool enabled) {
    e << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "enabled" << YAML::Value << enabled
      << YAML::EndMap;
  };
  e << YAML::Key << "guards" << YAML::Value << YAML::BeginMap;
  strings(e, "order", g.order);
  e << YAML::Key << "banlist" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "enabled" << YAML::Value
    << g.banlist.enabled << YAML::Key << "default_ttl_s" << YAML::Value << g.banlist.default_ttl_s << YAML::EndMap;
  e << YAML::Key << "flood" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "enabled" << YAML::Value
    << g.flood.enabled << YAML::Key << "window_s" << YAML::Value << g.flood.window_s << YAML::Key << "max_per_source"
    << YAML::Value << g.flood.max_per_source << YAML::Key << "max_per_prefix" << YAML::Value << g.flood.max_per_prefix
    << YAML::Key << "ban_ttl_s" << YAML::Value << g.flood.ban_ttl_s << YAML::Key << "memory_budget_kb" << YAML::Value
    << g.flood.memory_budget_kb;
  strings(e, "allowlist", g.flood.allowlist);
  e << YAML::EndMap;
  sw("size", g.size.enabled);
  sw("parse", g.parse.enabled);
  sw("sanity", g.sanity.enabled);
  e << YAML::Key << "scanner" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "enabled" << YAML::Value
    << g.scanner.enabled << YAML::Key << "ban_ttl_s" << YAML::Value << g.scanner.ban_ttl_s << YAML::Key
    << "max_distinct_users" << YAML::Value << g.scanner.max_distinct_users << YAML::Key << "window_s" << YAML::Value
    << g.scanner.window_s << YAML::EndMap;
  e << YAML::Key << "ratelimit" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "enabled" << YAML::Value
    << g.ratelimit.enabled << YAML::Key << "per_source_rps" << YAML::Value << g.ratelimit.per_source_rps << YAML::Key
    << "per_impi_rps" << YAML::Value << g.ratelimit.per_impi_rps << YAML::Key << "per_method_rps" << YAML::Value
    << g.ratelimit.per_method_rps << YAML::Key << "burst" << YAML::Value << g.ratelimit.burst << YAML::Key
    << "authenticated_rps" << YAML::Value << g.ratelimit.authenticated_rps << YAML::Key << "authenticated_burst"
    << YAML::Value << g.ratelimit.authenticated_burst << YAML::EndMap;
  sw("auth", g.auth.enabled);
  e << YAML::Key << "bruteforce" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "enabled" << YAML::Value
    << g.bruteforce.enabled << YAML::Key << "max_failures" << YAML::Value << g.bruteforce.max_failures << YAML::Key
    << "window_s" << YAML::Value << g.bruteforce.window_s << YAML::Key << "lockout_s" << YAML::Value
    << g.bruteforce.lockout_s << YAML::Key << "backoff_factor" << YAML::Value << g.bruteforce.backoff_factor << YAML::Key
    << "max_lockout_s" << YAML::Value << g.bruteforce.max_lockout_s << YAML::Key << "per_impi_distributed" << YAML::Value
    << g.bruteforce.per_impi_distributed << YAML::Key << "max_challenges_per_impi" << YAML::Value
    << g.bruteforce.max_challenges_per_impi << YAML::Key << "max_resyncs" << YAML::Value << g.bruteforce.max_resyncs
    << YAML::EndMap;
  sw("identity", g.identity.enabled);
  e << YAML::Key << "overload" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "enabled" << YAML::Value
    << g.overload.enabled << YAML::Key << "max_inflight" << YAML::Value << g.overload.max_inflight << YAML::Key << "max_rps"
    << YAML::Value << g.overload.max_rps << YAML::Key << "retry_after_s" << YAML::Value << g.overload.retry_after_s
    << YAML::EndMap;
  e << YAML::EndMap;

  e << YAML::Key << "core" << YAML::Value << YAML::BeginMap << YAML::Key << "scscf" << YAML::Value << c.core.scscf
    << YAML::Key << "sign_assertions" << YAML::Value << c.core.sign_assertions << YAML::EndMap;
  e << YAML::Key << "servicebox" << YAML::Value << YAML::BeginMap;
  endpoint(e, "sip_listen", c.servicebox.sip_listen);
  endpoint(e, "https_listen", c.servicebox.https_listen);
  e << YAML::Key << "require_mtls" << YAML::Value << c.servicebox.require_mtls << YAML::Key << "require_signed_assertion"
    << YAML::Value << c.servicebox.require_signed_assertion << YAML::Key << "token_lifetime_s" << YAML::Value
    << c.servicebox.token_lifetime_s;
  e << YAML::Key << "services" << YAML::Value << YAML::BeginSeq;
  for (const auto& s : c.servicebox.services) {
    e << YAML::Flow << YAML::BeginMap << YAML::Key << "name" << YAML::Value << s.name << YAML::Key << "method" << YAML::Value
      << s.method;
    if (s.may_assert) strings(e, "may_assert", *s.may_assert);
    if (s.allowed_headers) strings(e, "allowed_headers", *s.allowed_headers);
    e << YAML::EndMap;
  }
  e << YAML::EndSeq << YAML::EndMap;
  e << YAML::Key << "media" << YAML::Value << YAML::BeginMap << YAML::Key << "srtp_policy" << YAML::Value
    << std::string(srtp_policy_name(c.media.srtp_policy)) << YAML::Key << "sdes_requires_tls" << YAML::Value
    << c.media.sdes_requires_tls;
  strings(e, "crypto_suites", c.media.crypto_suites);
  e << YAML::EndMap;
  e << YAML::Key << "admin" << YAML::Value << YAML::BeginMap;
  endpoint(e, "listen", c.admin.listen);
  e << YAML::Key << "token" << YAML::Value << (c.admin.token.empty() ? std::string() : std::string(kRedacted)) << YAML::EndMap;
  e << YAML::EndMap;
  return std::string(e.c_str()) + "\n";
}

}  // namespace imsguard::config
