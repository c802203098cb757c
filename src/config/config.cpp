#include "config/config.h"

#include "config/schema.h"
#include "config/schema_reader.h"

#include <yaml-cpp/yaml.h>

#include <arpa/inet.h>

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <limits>
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

// Walks a YAML tree into the typed Config, collecting every error instead of stopping at the
// first, so an operator fixes a file in one pass.
class Reader {
 public:
  explicit Reader(std::vector<ConfigError>& errors) : errors_(errors) {}

  void error(const YAML::Node& node, const std::string& path, std::string message, std::string hint = {}) {
    int line = node.IsDefined() && node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
    errors_.push_back({path, line, std::move(message), std::move(hint)});
  }

  // A mapping section: reports keys that are not in `known`.
  bool section(const YAML::Node& node, const std::string& path, std::initializer_list<std::string_view> known) {
    if (!node.IsDefined() || node.IsNull()) return false;
    if (!node.IsMap()) {
      error(node, path, "must be a mapping");
      return false;
    }
    for (const auto& kv : node) {
      std::string key = kv.first.as<std::string>("");
      if (const RemovedKey* gone = removed_key(join(path, key))) {
        error(kv.first, join(path, key), "removed key: " + std::string(gone->why), std::string(gone->hint));
        continue;
      }
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        std::string list;
        for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
        error(kv.first, join(path, key), "unknown key", "known keys here: " + list);
      }
    }
    return true;
  }

  void get(const YAML::Node& parent, const std::string& path, const char* key, bool& out) {
    YAML::Node n = parent[key];
    if (!n.IsDefined() || n.IsNull()) return;
    std::string s = n.IsScalar() ? n.Scalar() : "";
    if (s == "true" || s == "yes" || s == "on") out = true;
    else if (s == "false" || s == "no" || s == "off") out = false;
    else error(n, join(path, key), "must be true or false");
  }

  void get(const YAML::Node& parent, const std::string& path, const char* key, std::string& out) {
    YAML::Node n = parent[key];
    if (!n.IsDefined() || n.IsNull()) return;
    if (!n.IsScalar()) {
      error(n, join(path, key), "must be a string");
      return;
    }
    out = n.Scalar();
  }

  template <typename Int>
  void get(const YAML::Node& parent, const std::string& path, const char* key, Int& out, uint64_t min,
           uint64_t max) {
    YAML::Node n = parent[key];
    if (!n.IsDefined() || n.IsNull()) return;
    const std::string& s = n.IsScalar() ? n.Scalar() : std::string();
    uint64_t v = 0;
    bool ok = !s.empty() && s.size() <= 19 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (ok) v = std::stoull(s);
    if (!ok || v < min || v > max) {
      error(n, join(path, key), "must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]",
            s.empty() ? "" : "got '" + s + "'");
      return;
    }
    out = static_cast<Int>(v);
  }

  void get(const YAML::Node& parent, const std::string& path, const char* key, std::vector<std::string>& out) {
    YAML::Node n = parent[key];
    if (!n.IsDefined() || n.IsNull()) return;
    if (!n.IsSequence()) {
      error(n, join(path, key), "must be a list", "write [a, b] or one '- item' per line");
      return;
    }
    out.clear();
    for (const auto& item : n) {
      if (!item.IsScalar()) {
        error(item, join(path, key), "list items must be strings");
        continue;
      }
      out.push_back(item.Scalar());
    }
  }

  void get(const YAML::Node& parent, const std::string& path, const char* key, Endpoint& out) {
    YAML::Node n = parent[key];
    std::string p = join(path, key);
    if (!section(n, p, {"address", "port"})) return;
    get(n, p, "address", out.address);
    get(n, p, "port", out.port, 1, 65535);
  }

  static std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }

 private:
  std::vector<ConfigError>& errors_;
};

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

// Rules between keys and on values `run` would otherwise refuse only at start; a node for the
// line is the key's own when the file sets it, else its section's.
void check_rules(Reader& r, const YAML::Node& root, const Config& c) {
  auto at = [&](const char* section, const char* key) {
    YAML::Node s = root[section];
    return s.IsDefined() && s.IsMap() && s[key].IsDefined() ? s[key] : s;
  };
  const auto& reg = c.registrar;
  if (reg.min_expires_s <= reg.max_expires_s &&
      (reg.default_expires_s < reg.min_expires_s || reg.default_expires_s > reg.max_expires_s))
    r.error(at("registrar", "default_expires_s"), "registrar.default_expires_s",
            "must lie between min_expires_s (" + std::to_string(reg.min_expires_s) + ") and max_expires_s (" +
                std::to_string(reg.max_expires_s) + "), got " + std::to_string(reg.default_expires_s),
            "the expiry a client that names none gets; the defaults are 60 <= 3600 <= 7200");
  if (!c.auth.aka && !c.auth.digest && c.core.scscf == "embedded" && c.has_role("edge"))
    r.error(at("auth", "aka"), "auth", "auth.aka and auth.digest are both false: no subscriber could register",
            "switch on at least one (the embedded registrar authenticates every REGISTER)");
  for (const auto& suite : c.media.crypto_suites)
    if (!one_of<std::string_view>(suite, {"AEAD_AES_128_GCM", "AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32"}))
      r.error(at("media", "crypto_suites"), "media.crypto_suites", "unknown SRTP suite '" + suite + "'",
              "AEAD_AES_128_GCM, AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32");
  if (!c.admin.token.empty() && c.admin.token.size() < 16)
    r.error(at("admin", "token"), "admin.token",
            "too short (" + std::to_string(c.admin.token.size()) + " characters; at least 16)",
            "e.g. `openssl rand -hex 32`; empty switches the admin API off");
}

// Rules on single keys that a range or a list of values cannot say, for the sections read
// through the schema.
void check_key_rules(Reader& r, const YAML::Node& root, const Config& c) {
  if (c.data_dir.empty()) r.error(node_at(root, "data_dir"), "data_dir", "must not be empty");
  if (!one_of<std::string_view>(c.state, {"sqlite", "memory"}) && c.state.rfind("redis://", 0) != 0 &&
      c.state.rfind("rediss://", 0) != 0)
    r.error(node_at(root, "state"), "state", "unknown state backend '" + c.state + "'",
            "sqlite | memory | redis://[:password@]host:port/db (docs/state.md)");
  if (c.sip.timers.t2_ms < c.sip.timers.t1_ms)
    r.error(node_at(root, "sip.timers.t2_ms"), "sip.timers.t2_ms",
            "must not be below t1_ms (" + std::to_string(c.sip.timers.t1_ms) + ")",
            "RFC 3261 defaults: t1_ms: 500, t2_ms: 4000");
  YAML::Node peers = node_at(root, "sip.peers");
  for (size_t i = 0; i < c.sip.peers.size(); ++i)
    if (!is_ip_port(c.sip.peers[i]))
      r.error(peers, "sip.peers[" + std::to_string(i) + "]", "expected IP:port, got '" + c.sip.peers[i] + "'",
              "the UDP listener of another edge, e.g. 10.0.0.2:5060 or [2001:db8::2]:5060 (no host names)");
  if (!c.sip.peers.empty()) {
    // Peers reach us at the address our Path names: the first UDP listener's, so it must
    // exist and be a concrete address.
    auto udp = std::find_if(c.sip.listen.begin(), c.sip.listen.end(),
                            [](const Listener& l) { return l.transport == Transport::kUdp; });
    if (udp == c.sip.listen.end())
      r.error(peers, "sip.peers", "peer edges need a UDP listener on this edge",
              "add { transport: udp, address: <this edge's address>, port: ... } to sip.listen");
    else if (udp->address == "0.0.0.0" || udp->address == "::" || udp->address.empty())
      r.error(peers, "sip.peers", "peer edges need this edge's UDP listener on a concrete address, not '" +
              udp->address + "'", "the address the other edges reach this one at: it is what a binding's Path names");
    if (c.sip.peer_key_file.empty())
      r.error(peers, "sip.peer_key_file", "peer edges need a shared key file",
              "sip.peer_key_file: /path/to/peer.key, at least 32 random bytes, the same on every edge "
              "(head -c 32 /dev/urandom)");
  }
}

void check_section_rules(Reader& r, const YAML::Node& root, const Config& c) {
  if (c.auth.digest_algorithms.empty())
    r.error(node_at(root, "auth.digest_algorithms"), "auth.digest_algorithms", "must name at least one algorithm");
  if (c.registrar.min_expires_s > c.registrar.max_expires_s)
    r.error(node_at(root, "registrar"), "registrar", "min_expires_s is larger than max_expires_s");
  std::set<std::string> seen;
  for (const auto& name : c.guards.order)
    if (!seen.insert(name).second) r.error(node_at(root, "guards.order"), "guards.order", "guard '" + name + "' listed twice");
}

void read_config(Reader& r, std::vector<ConfigError>& errors, const YAML::Node& root, Config& c) {
  if (!r.section(root, "", {"roles", "data_dir", "state", "log", "events", "sip", "tls", "connections", "auth",
                            "registrar", "identity", "guards", "core", "servicebox", "media", "admin"})) {
    r.error(root, "", "the configuration must be a YAML mapping");
    return;
  }
  read_schema_keys(root, c, errors, {"roles", "data_dir", "state", "log", "events", "sip", "tls", "connections", "auth",
                                     "registrar", "identity", "guards"});
  check_key_rules(r, root, c);
  check_section_rules(r, root, c);
  if (YAML::Node s = root["core"]; r.section(s, "core", {"scscf"})) {
    r.get(s, "core", "scscf", c.core.scscf);
  }
  if (YAML::Node s = root["servicebox"]; r.section(s, "servicebox", {"sip_listen", "https_listen", "require_mtls",
                                                                     "require_signed_assertion", "token_lifetime_s", "services"})) {
    r.get(s, "servicebox", "sip_listen", c.servicebox.sip_listen);
    r.get(s, "servicebox", "https_listen", c.servicebox.https_listen);
    r.get(s, "servicebox", "require_mtls", c.servicebox.require_mtls);
    r.get(s, "servicebox", "require_signed_assertion", c.servicebox.require_signed_assertion);
    r.get(s, "servicebox", "token_lifetime_s", c.servicebox.token_lifetime_s, 10, 86400);
    if (YAML::Node l = s["services"]; l.IsDefined()) {
      if (!l.IsSequence()) {
        r.error(l, "servicebox.services", "must be a list of {name, method}");
      } else {
        c.servicebox.services.clear();
        for (size_t i = 0; i < l.size(); ++i) {
          std::string p = "servicebox.services[" + std::to_string(i) + "]";
          if (!r.section(l[i], p, {"name", "method", "may_assert", "allowed_headers"})) continue;
          Service svc;
          r.get(l[i], p, "name", svc.name);
          r.get(l[i], p, "method", svc.method);
          for (auto [key, out] : {std::pair{"may_assert", &svc.may_assert}, {"allowed_headers", &svc.allowed_headers}}) {
            if (!l[i][key].IsDefined() || l[i][key].IsNull()) continue;
            out->emplace();
            r.get(l[i], p, key, **out);
          }
          if (svc.name.empty()) r.error(l[i], p + ".name", "a service needs a name");
          c.servicebox.services.push_back(svc);
        }
      }
    }
  }
  if (YAML::Node s = root["media"]; r.section(s, "media", {"srtp_policy", "sdes_requires_tls", "crypto_suites",
                                                         "max_sessions_per_subscriber", "max_sessions"})) {
    std::string policy = std::string(srtp_policy_name(c.media.srtp_policy));
    r.get(s, "media", "srtp_policy", policy);
    if (policy == "off") c.media.srtp_policy = SrtpPolicy::kOff;
    else if (policy == "optional") c.media.srtp_policy = SrtpPolicy::kOptional;
    else if (policy == "mandatory") c.media.srtp_policy = SrtpPolicy::kMandatory;
    else r.error(s["srtp_policy"], "media.srtp_policy", "unknown policy '" + policy + "'", "off | optional | mandatory");
    r.get(s, "media", "sdes_requires_tls", c.media.sdes_requires_tls);
    r.get(s, "media", "crypto_suites", c.media.crypto_suites);
    r.get(s, "media", "max_sessions_per_subscriber", c.media.max_sessions_per_subscriber, 1, 1024);
    r.get(s, "media", "max_sessions", c.media.max_sessions, 1, 100000);
  }
  if (YAML::Node s = root["admin"]; r.section(s, "admin", {"listen", "token"})) {
    r.get(s, "admin", "listen", c.admin.listen);
    r.get(s, "admin", "token", c.admin.token);
  }
  if (c.sip.listen.empty() && c.has_role("edge"))
    r.error(root["sip"], "sip.listen", "the edge role needs at least one listener");
  check_rules(r, root, c);
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
    Reader reader(result.errors);
    read_config(reader, result.errors, root, config);
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
