#include "config/config.h"

#include "config/redis_url.h"
#include "config/schema.h"
#include "config/schema_reader.h"

#include <yaml-cpp/yaml.h>

#include <arpa/inet.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace imsguard::config {

extern const std::string_view kDefaultConfigYaml;

std::string_view transport_name(Transport t) {
  switch (t) {
    case Transport::kUdp: return "udp";
    case Transport::kTcp: return "tcp";
    case Transport::kTls: return "tls";
  }
  return "udp";
}

std::string_view srtp_policy_name(SrtpPolicy p) {
  switch (p) {
    case SrtpPolicy::kOff: return "off";
    case SrtpPolicy::kOptional: return "optional";
    case SrtpPolicy::kMandatory: return "mandatory";
  }
  return "optional";
}

bool Config::has_role(std::string_view role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

bool Config::has_listener(Transport t) const {
  return std::any_of(sip.listen.begin(), sip.listen.end(),
                     [t](const Listener& l) { return l.transport == t; });
}

std::string ConfigError::to_string() const {
  std::string out = path.empty() ? std::string("config") : path;
  if (line > 0) out += " (line " + std::to_string(line) + ")";
  out += ": " + message;
  if (!hint.empty()) out += " (hint: " + hint + ")";
  return out;
}

std::string_view default_yaml() { return kDefaultConfigYaml; }

namespace {

// "192.0.2.1:5060" or "[2001:db8::1]:5060".
bool is_ip_port(const std::string& v) {
  size_t colon = v.rfind(':');
  if (colon == std::string::npos || colon + 1 == v.size() || v.size() - colon > 6) return false;
  uint32_t port = 0;
  for (char ch : v.substr(colon + 1)) {
    if (ch < '0' || ch > '9') return false;
    port = port * 10 + static_cast<uint32_t>(ch - '0');
  }
  if (port == 0 || port > 65535) return false;
  std::string host = v.substr(0, colon);
  unsigned char buf[16];
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    return inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), buf) == 1;
  return inet_pton(AF_INET, host.c_str(), buf) == 1;
}

template <typename T>
bool one_of(std::string_view v, std::initializer_list<T> allowed) {
  return std::find(allowed.begin(), allowed.end(), v) != allowed.end();
}

// The rules the schema's ranges and values cannot say: between keys, on the form of a value,
// and on values `run` would otherwise refuse only at start. An error's line is the key's own
// when the file sets it, else its nearest section's (node_at).
void check_rules(std::vector<ConfigError>& errors, const YAML::Node& root, const Config& c) {
  auto error = [&](std::string_view key, std::string path, std::string message, std::string hint = {}) {
    add_error(errors, node_at(root, key), std::move(path), std::move(message), std::move(hint));
  };
  if (c.data_dir.empty()) error("data_dir", "data_dir", "must not be empty");
  if (is_redis_url(c.state)) {
    // The runtime's own parser: a URL check-config passes is one `run` can open.
    if (auto url = parse_redis_url(c.state); !url.ok())
      error("state", "state", url.message(), "redis://[[user]:password@]host[:port][/db][?option=value...] (docs/state.md)");
  } else if (!one_of<std::string_view>(c.state, {"sqlite", "memory"})) {
    error("state", "state", "unknown state backend '" + c.state + "'",
          "sqlite | memory | redis://[:password@]host:port/db (docs/state.md)");
  }

  if (c.sip.listen.empty() && c.has_role("edge")) error("sip.listen", "sip.listen", "the edge role needs at least one listener");
  if (c.sip.timers.t2_ms < c.sip.timers.t1_ms)
    error("sip.timers.t2_ms", "sip.timers.t2_ms", "must not be below t1_ms (" + std::to_string(c.sip.timers.t1_ms) + ")",
          "RFC 3261 defaults: t1_ms: 500, t2_ms: 4000");
  for (size_t i = 0; i < c.sip.peers.size(); ++i)
    if (!is_ip_port(c.sip.peers[i]))
      error("sip.peers", "sip.peers[" + std::to_string(i) + "]", "expected IP:port, got '" + c.sip.peers[i] + "'",
            "the UDP listener of another edge, e.g. 10.0.0.2:5060 or [2001:db8::2]:5060 (no host names)");
  if (!c.sip.peers.empty()) {
    // Peers reach us at the address our Path names: the first UDP listener's, so it must
    // exist and be a concrete address.
    auto udp = std::find_if(c.sip.listen.begin(), c.sip.listen.end(),
                            [](const Listener& l) { return l.transport == Transport::kUdp; });
    if (udp == c.sip.listen.end())
      error("sip.peers", "sip.peers", "peer edges need a UDP listener on this edge",
            "add { transport: udp, address: <this edge's address>, port: ... } to sip.listen");
    else if (udp->address == "0.0.0.0" || udp->address == "::" || udp->address.empty())
      error("sip.peers", "sip.peers",
            "peer edges need this edge's UDP listener on a concrete address, not '" + udp->address + "'",
            "the address the other edges reach this one at: it is what a binding's Path names");
    if (c.sip.peer_key_file.empty())
      error("sip.peers", "sip.peer_key_file", "peer edges need a shared key file",
            "sip.peer_key_file: /path/to/peer.key, at least 32 random bytes, the same on every edge "
            "(head -c 32 /dev/urandom)");
  }

  if (c.auth.digest_algorithms.empty())
    error("auth.digest_algorithms", "auth.digest_algorithms", "must name at least one algorithm");
  if (!c.auth.aka && !c.auth.digest && c.core.scscf == "embedded" && c.has_role("edge"))
    error("auth.aka", "auth", "auth.aka and auth.digest are both false: no subscriber could register",
          "switch on at least one (the embedded registrar authenticates every REGISTER)");

  const auto& reg = c.registrar;
  if (reg.min_expires_s > reg.max_expires_s)
    error("registrar", "registrar", "min_expires_s is larger than max_expires_s");
  else if (reg.default_expires_s < reg.min_expires_s || reg.default_expires_s > reg.max_expires_s)
    error("registrar.default_expires_s", "registrar.default_expires_s",
          "must lie between min_expires_s (" + std::to_string(reg.min_expires_s) + ") and max_expires_s (" +
              std::to_string(reg.max_expires_s) + "), got " + std::to_string(reg.default_expires_s),
          "the expiry a client that names none gets; the defaults are 60 <= 3600 <= 7200");

  std::set<std::string> seen;
  for (const auto& name : c.guards.order)
    if (!seen.insert(name).second) error("guards.order", "guards.order", "guard '" + name + "' listed twice");

  YAML::Node services = node_at(root, "servicebox.services");
  for (size_t i = 0; i < c.servicebox.services.size(); ++i)
    if (c.servicebox.services[i].name.empty())
      add_error(errors, services.IsSequence() && i < services.size() ? services[i] : services,
                "servicebox.services[" + std::to_string(i) + "].name", "a service needs a name");

  if (!c.admin.token.empty() && c.admin.token.size() < 16)
    error("admin.token", "admin.token", "too short (" + std::to_string(c.admin.token.size()) + " characters; at least 16)",
          "e.g. `openssl rand -hex 32`; empty switches the admin API off");
}

}  // namespace

LoadResult load_string(std::string_view yaml, std::string_view origin) {
  LoadResult result;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::ParserException& e) {
    result.errors.push_back({std::string(origin), e.mark.line + 1, "YAML syntax error: " + e.msg, "check indentation and quoting"});
    return result;
  }
  Config config;  // absent keys keep the struct defaults, which equal config/imsguard.yaml (tested)
  try {
    if (!root.IsMap()) {
      add_error(result.errors, root, "", "the configuration must be a YAML mapping");
    } else {
      read_schema_keys(root, config, result.errors);
      check_rules(result.errors, root, config);
    }
  } catch (const YAML::Exception& e) {
    result.errors.push_back({std::string(origin), e.mark.line + 1, e.what(), ""});
  }
  if (result.errors.empty()) result.config = std::move(config);
  return result;
}

LoadResult load_default() { return load_string(default_yaml(), "<embedded default>"); }

LoadResult load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult result;
    result.errors.push_back({path, 0, "cannot read the file", "check the path and its permissions"});
    return result;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return load_string(buffer.str(), path);
}

}  // namespace imsguard::config
