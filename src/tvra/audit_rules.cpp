#include "tvra/audit_rules.h"

#include <algorithm>
#include <cctype>

namespace imsguard::tvra {

namespace {

using config::Config;
using config::Transport;

std::string on_off(bool b) { return b ? "true" : "false"; }
std::string num(uint64_t v) { return std::to_string(v); }

// A switchable guard acts only when enabled and listed in guards.order (src/guard/chain.cpp).
bool guard_runs(const Config& c, const std::string& name, bool enabled, std::string& why) {
  bool listed = std::find(c.guards.order.begin(), c.guards.order.end(), name) != c.guards.order.end();
  why = "guards." + name + ".enabled=" + on_off(enabled) + (listed ? "" : ", not in guards.order");
  return enabled && listed;
}

bool plaintext_sip(const Config& c) { return c.has_listener(Transport::kUdp) || c.has_listener(Transport::kTcp); }
bool edge_serves_tls_only(const Config& c) { return c.has_listener(Transport::kTls) && !plaintext_sip(c); }
bool md5_offered(const Config& c) {
  return c.auth.digest && std::find(c.auth.digest_algorithms.begin(), c.auth.digest_algorithms.end(), "MD5") !=
                              c.auth.digest_algorithms.end();
}
std::string algorithms(const Config& c) {
  std::string s;
  for (const auto& a : c.auth.digest_algorithms) s += (s.empty() ? "" : ",") + a;
  return "[" + s + "]";
}
std::string auth_why(const Config& c) { return "auth.aka=" + on_off(c.auth.aka) + ", auth.digest=" + on_off(c.auth.digest); }

// The table. Keep one entry per countermeasure id of models/ims.yaml; docs/tvra.md mirrors it.
const std::vector<Rule> kRules = {
    {"tls-offered", {"sip.listen"}, "net TLS listener (src/net/tls_context.cpp)",
     [](const Config& c) -> Verdict {
       bool tls = c.has_listener(Transport::kTls);
       return {tls, tls ? "sip.listen has a tls listener" : "sip.listen has no tls listener"};
     }},
    {"tls-only", {"sip.listen"}, "only the listeners in sip.listen are opened (src/edge/node.cpp)",
     [](const Config& c) -> Verdict {
       bool only = edge_serves_tls_only(c);
       return {only, only ? "sip.listen has only tls listeners" : "sip.listen has udp or tcp listeners (or no tls)"};
     }},
    {"flood-guard", {"guards.flood.enabled", "guards.order", "guards.flood.max_per_source", "guards.flood.window_s"},
     "src/guard/flood.cpp (built by src/guard/chain.cpp)",
     [](const Config& c) -> Verdict {
       std::string why;
       bool runs = guard_runs(c, "flood", c.guards.flood.enabled, why);
       uint32_t per_second = c.guards.flood.max_per_source / std::max<uint32_t>(c.guards.flood.window_s, 1);
       bool tight = per_second <= 2000;
       return {runs && tight, why + ", max_per_source/window_s=" + num(per_second) + "/s" + (tight ? "" : " (above 2000/s: ineffective)")};
     }},
    {"banlist", {"guards.banlist.enabled", "guards.order", "guards.banlist.default_ttl_s"}, "src/guard/banlist.cpp",
     [](const Config& c) -> Verdict {
       std::string why;
       bool runs = guard_runs(c, "banlist", c.guards.banlist.enabled, why);
       return {runs && c.guards.banlist.default_ttl_s >= 60, why + ", default_ttl_s=" + num(c.guards.banlist.default_ttl_s) + " (needs >= 60)"};
     }},
    {"rate-limit", {"guards.ratelimit.enabled", "guards.order", "guards.ratelimit.per_source_rps"}, "src/guard/ratelimit.cpp",
     [](const Config& c) -> Verdict {
       std::string why;
       bool runs = guard_runs(c, "ratelimit", c.guards.ratelimit.enabled, why);
       return {runs && c.guards.ratelimit.per_source_rps <= 1000,
               why + ", per_source_rps=" + num(c.guards.ratelimit.per_source_rps) + " (needs <= 1000)"};
     }},
    {"overload-shedding", {"guards.overload.enabled", "guards.order"}, "src/guard/overload.cpp",
     [](const Config& c) -> Verdict {
       std::string why;
       bool runs = guard_runs(c, "overload", c.guards.overload.enabled, why);
       return {runs, why};
     }},
    // The parser is always strict (the edge's own stage, no switch). What the
    // configuration can weaken is sip.limits.
    {"strict-parsing", {"sip.limits.max_headers", "sip.limits.max_header_bytes", "sip.limits.max_via", "roles"},
     "src/sip/parser.cpp, always on in the edge (src/edge/edge.cpp)",
     [](const Config& c) -> Verdict {
       const auto& l = c.sip.limits;
       bool edge = c.has_role("edge");
       bool bounded = l.max_headers <= 256 && l.max_header_bytes <= 16384 && l.max_via <= 128;
       return {edge && bounded, std::string(edge ? "edge role: the strict parser always runs" : "no edge role") +
                                    "; sip.limits max_headers=" + num(l.max_headers) + " (<= 256), max_header_bytes=" +
                                    num(l.max_header_bytes) + " (<= 16384), max_via=" + num(l.max_via) + " (<= 128)"};
     }},
    {"size-limits", {"sip.limits.max_message_bytes", "connections.message_deadline_s", "roles"},
     "src/edge/edge.cpp (limits), src/net/stream_connection.cpp (deadline)",
     [](const Config& c) -> Verdict {
       bool edge = c.has_role("edge");
       bool size = c.sip.limits.max_message_bytes <= 65535;
       bool deadline = c.connections.message_deadline_s >= 1 && c.connections.message_deadline_s <= 30;
       return {edge && size && deadline, "sip.limits.max_message_bytes=" + num(c.sip.limits.max_message_bytes) +
                                             " (<= 65535), connections.message_deadline_s=" +
                                             num(c.connections.message_deadline_s) + " (needs 1..30)"};
     }},
    {"scanner-guard", {"guards.scanner.enabled", "guards.order", "guards.scanner.max_distinct_users"}, "src/guard/scanner.cpp",
     [](const Config& c) -> Verdict {
       std::string why;
       bool runs = guard_runs(c, "scanner", c.guards.scanner.enabled, why);
       return {runs && c.guards.scanner.max_distinct_users <= 100,
               why + ", max_distinct_users=" + num(c.guards.scanner.max_distinct_users) + " (needs <= 100)"};
     }},
    // The authenticator (no switch of its own) runs whenever a scheme is on.
    {"anti-enumeration", {"auth.digest", "auth.aka"}, "src/edge/authenticator.cpp (unknown users challenged alike)",
     [](const Config& c) -> Verdict { return {c.auth.aka || c.auth.digest, auth_why(c)}; }},
    {"authentication", {"auth.digest", "auth.aka"}, "src/edge/authenticator.cpp, src/edge/registrar.cpp",
     [](const Config& c) -> Verdict { return {c.auth.aka || c.auth.digest, auth_why(c)}; }},
    {"replay-protection", {"auth.nonce_lifetime_s", "auth.qop", "auth.digest", "auth.aka"},
     "src/crypto/nonce.cpp, src/crypto/nc_tracker.cpp",
     [](const Config& c) -> Verdict {
       bool on = (c.auth.aka || c.auth.digest) && c.auth.qop.find("auth") != std::string::npos &&
                 c.auth.nonce_lifetime_s >= 1 && c.auth.nonce_lifetime_s <= 300;
       return {on, auth_why(c) + ", auth.qop=" + c.auth.qop + ", auth.nonce_lifetime_s=" + num(c.auth.nonce_lifetime_s) +
                       " (needs 1..300)"};
     }},
    {"bruteforce-lockout", {"guards.bruteforce.enabled", "guards.order", "guards.bruteforce.max_failures"},
     "src/guard/bruteforce.cpp",
     [](const Config& c) -> Verdict {
       std::string why;
       bool runs = guard_runs(c, "bruteforce", c.guards.bruteforce.enabled, why);
       return {runs && c.guards.bruteforce.max_failures <= 10 && c.guards.bruteforce.lockout_s > 0,
               why + ", max_failures=" + num(c.guards.bruteforce.max_failures) + " (needs <= 10), lockout_s=" +
                   num(c.guards.bruteforce.lockout_s)};
     }},
    {"no-md5", {"auth.digest_algorithms", "auth.digest"}, "src/edge/authenticator.cpp (challenge algorithms)",
     [](const Config& c) -> Verdict {
       bool md5 = md5_offered(c);
       return {!md5, "auth.digest=" + on_off(c.auth.digest) + ", auth.digest_algorithms=" + algorithms(c) +
                         (md5 ? " (MD5 offered)" : "")};
     }},
    // A client's P-Asserted-Identity is always removed. The identity asserted instead is the
    // registered flow's: over UDP only as good as the 407 that proves the sender
    // (UdpRequestChallengeE2e); in P-CSCF mode the edge cannot challenge (the S-CSCF holds the
    // credentials), so a UDP listener there leaves the asserted identity spoofable.
    {"identity-assertion", {"identity.assert_authenticated", "auth.challenge_udp_requests", "sip.listen", "core.scscf"},
     "src/edge/proxy.cpp (strips always, asserts when set), src/edge/request_challenge.cpp (407 over UDP)",
     [](const Config& c) -> Verdict {
       bool udp = c.has_listener(Transport::kUdp);
       bool embedded = c.core.scscf.empty() || c.core.scscf == "embedded";
       bool proven = !udp || (embedded && c.auth.challenge_udp_requests);
       return {c.identity.assert_authenticated && proven,
               "client P-Asserted-Identity always removed; identity.assert_authenticated=" +
                   on_off(c.identity.assert_authenticated) +
                   (!udp ? ", no udp listener"
                         : embedded ? ", udp listener with auth.challenge_udp_requests=" + on_off(c.auth.challenge_udp_requests)
                                    : ", udp listener in P-CSCF mode (requests over UDP are not challenged)")};
     }},
    // What the S-CSCF and the service box send toward clients is sealed or removed
    // (TopologyHidingE2e shows it against a running edge, and the key off as the control).
    {"topology-hiding", {"identity.topology_hiding"},
     "src/edge/topology_hiding.cpp (Via, Record-Route, Service-Route sealed; Path, Server, User-Agent, Warning)",
     [](const Config& c) -> Verdict {
       return {c.identity.topology_hiding, "identity.topology_hiding=" + on_off(c.identity.topology_hiding)};
     }},
    {"security-events", {"events.output"}, "src/ops/events.cpp",
     [](const Config& c) -> Verdict { return {c.events_output != "none", "events.output=" + c.events_output}; }},
    {"mtls-is", {"servicebox.require_mtls"}, "src/service/service_node.cpp (client certificate pinned)",
     [](const Config& c) -> Verdict {
       return {c.servicebox.require_mtls, "servicebox.require_mtls=" + on_off(c.servicebox.require_mtls)};
     }},
    // The core signs every request toward a service (no switch).
    {"signed-assertion", {"servicebox.require_signed_assertion"},
     "src/service/core_router.cpp (always signs), src/service/service_box.cpp (checks)",
     [](const Config& c) -> Verdict {
       return {c.servicebox.require_signed_assertion,
               "the core always signs; servicebox.require_signed_assertion=" + on_off(c.servicebox.require_signed_assertion)};
     }},
    {"srtp-optional", {"media.srtp_policy"}, "src/service/media_service.cpp, src/media/negotiation.cpp",
     [](const Config& c) -> Verdict {
       return {c.media.srtp_policy != config::SrtpPolicy::kOff,
               "media.srtp_policy=" + std::string(config::srtp_policy_name(c.media.srtp_policy))};
     }},
    {"srtp-mandatory", {"media.srtp_policy"}, "src/service/media_service.cpp (488 without SRTP)",
     [](const Config& c) -> Verdict {
       return {c.media.srtp_policy == config::SrtpPolicy::kMandatory,
               "media.srtp_policy=" + std::string(config::srtp_policy_name(c.media.srtp_policy))};
     }},
    {"sdes-over-tls", {"media.sdes_requires_tls"}, "src/edge/proxy.cpp, src/service/core_router.cpp (a=crypto stripped)",
     [](const Config& c) -> Verdict {
       return {c.media.sdes_requires_tls, "media.sdes_requires_tls=" + on_off(c.media.sdes_requires_tls)};
     }},
    {"content-token", {"servicebox.token_lifetime_s"}, "src/service/content_server.cpp, src/service/content_token.cpp",
     [](const Config& c) -> Verdict {
       return {c.servicebox.token_lifetime_s > 0, "servicebox.token_lifetime_s=" + num(c.servicebox.token_lifetime_s)};
     }},
    {"short-token-lifetime", {"servicebox.token_lifetime_s"}, "src/service/service_gate.cpp (expiry in the token)",
     [](const Config& c) -> Verdict {
       bool s = c.servicebox.token_lifetime_s > 0 && c.servicebox.token_lifetime_s <= 300;
       return {s, "servicebox.token_lifetime_s=" + num(c.servicebox.token_lifetime_s) + " (needs 1..300)"};
     }},
    // Content tokens reach clients in SIP answers (src/service/core_router.cpp): over I-C.
    {"token-over-tls", {"sip.listen"}, "tokens are issued in SIP answers over the client's flow",
     [](const Config& c) -> Verdict {
       bool only = edge_serves_tls_only(c);
       return {only, only ? "tokens travel over TLS only" : "tokens can travel over udp/tcp listeners in sip.listen"};
     }},
    {"admin-off", {"admin.token"}, "src/edge/node.cpp (no admin listener without a token)",
     [](const Config& c) -> Verdict {
       return {c.admin.token.empty(), c.admin.token.empty() ? "admin.token empty: no admin listener" : "admin.token set: admin API on"};
     }},
    {"admin-loopback", {"admin.listen.address", "admin.token"}, "src/ops/admin_server.cpp (binds admin.listen)",
     [](const Config& c) -> Verdict {
       bool local = !c.admin.token.empty() && is_loopback(c.admin.listen.address);
       return {local, "admin.listen.address=" + c.admin.listen.address + (local ? " (loopback)" : "")};
     }},
};

// Keys with no reader at runtime. Empty: the keys issue 19 found dead were removed from the
// schema (a file that still sets one is refused), and every key of the schema has a test that
// sees it act (tests/config/key_effects.h). An entry must name a key of the schema (tested).
const std::vector<DeadSwitch> kDead = {};

}  // namespace

const std::vector<Rule>& countermeasure_rules() { return kRules; }

const Rule* rule_for(const std::string& id) {
  for (const auto& r : kRules)
    if (id == r.countermeasure) return &r;
  return nullptr;
}

const std::vector<DeadSwitch>& dead_switches() { return kDead; }

bool is_loopback(const std::string& a) {
  return a.rfind("127.", 0) == 0 || a == "::1" || a == "[::1]" || a == "localhost";
}

bool is_wildcard(const std::string& a) { return a.empty() || a == "0.0.0.0" || a == "::" || a == "[::]" || a == "*"; }

std::vector<ListenerView> listeners(const Config& c) {
  std::vector<ListenerView> out;
  const std::string floor = "TLS " + c.tls.min_version + " (tls.min_version)";
  const std::string aead = "ECDHE with AES-GCM or ChaCha20-Poly1305 only (src/net/tls_context.cpp)";
  if (c.has_role("edge"))
    for (size_t i = 0; i < c.sip.listen.size(); ++i) {
      const auto& l = c.sip.listen[i];
      bool tls = l.transport == Transport::kTls;
      out.push_back({"sip.listen[" + num(i) + "]", "I-C", std::string(config::transport_name(l.transport)), l.address,
                     l.port, is_loopback(l.address), tls ? floor : "none (plaintext)", tls ? aead : "none"});
    }
  if (c.has_role("servicebox")) {
    const auto& s = c.servicebox.sip_listen;
    out.push_back({"servicebox.sip_listen", "I-S", "tls", s.address, s.port, is_loopback(s.address), floor,
                   aead + std::string(c.servicebox.require_mtls ? "; client certificate required" : "")});
    // The box's RTP sockets bind the same address (src/service/service_node.cpp).
    out.push_back({"servicebox.sip_listen", "C-S", "rtp", s.address, 0, is_loopback(s.address),
                   "none (SRTP per media.srtp_policy)", "media.crypto_suites"});
    const auto& h = c.servicebox.https_listen;
    out.push_back({"servicebox.https_listen", "C-S", "https", h.address, h.port, is_loopback(h.address),
                   "library default: tls.min_version is not applied (cpp-httplib SSLServer)",
                   "OpenSSL default list (not restricted to AEAD)"});
  }
  if (!c.admin.token.empty())
    out.push_back({"admin.listen", "OAM", "http", c.admin.listen.address, c.admin.listen.port,
                   is_loopback(c.admin.listen.address), "none (plain HTTP: the bearer token travels in clear)", "none"});
  return out;
}

std::vector<InterfaceExposure> interface_exposure(const Config& c) {
  std::vector<InterfaceExposure> out;
  for (const char* id : {"I-C", "I-S", "C-S", "OAM"}) {
    InterfaceExposure e;
    e.interface = id;
    e.loopback_only = true;
    for (const auto& l : listeners(c)) {
      if (l.interface != id) continue;
      e.served = true;
      e.loopback_only = e.loopback_only && l.loopback;
      e.wildcard = e.wildcard || is_wildcard(l.address);
      if (std::find(e.keys.begin(), e.keys.end(), l.key) == e.keys.end()) e.keys.push_back(l.key);
      if (e.transports.find(l.transport) == std::string::npos) e.transports += (e.transports.empty() ? "" : ", ") + l.transport;
    }
    if (!e.served) e.loopback_only = false;
    out.push_back(e);
  }
  return out;
}

std::vector<Finding> check_config(const Config& c) {
  std::vector<Finding> f;
  std::string tls12;
  for (const auto& l : listeners(c)) {
    if (l.transport == "rtp") continue;  // reported with servicebox.sip_listen
    if (!l.loopback)
      f.push_back({"bind-address", "note", l.key + ".address",
                   l.key + " (" + l.transport + ") binds " + (l.address.empty() ? "*" : l.address) +
                       ": reachable from the network; interface " + l.interface + " keeps the model's exposure"});
    if (l.transport == "udp" || l.transport == "tcp")
      f.push_back({"plaintext-transport", "warning", l.key + ".transport",
                   l.key + " serves SIP over " + l.transport + ": signalling, Digest responses and content tokens in clear"});
    if (l.transport == "tls" && c.tls.min_version == "1.2") tls12 += (tls12.empty() ? "" : ", ") + l.key;
    if (l.transport == "https")
      f.push_back({"tls-floor", "warning", l.key,
                   l.key + ": tls.min_version is not applied and the cipher list is OpenSSL's default (cpp-httplib)"});
    if (l.transport == "http")
      f.push_back({"admin-exposure", l.loopback ? "note" : "error", l.key + ".address",
                   l.loopback ? "admin API on loopback over plain HTTP: the bearer token stays on this host"
                              : "admin API on " + l.address + " over plain HTTP: the bearer token crosses the network in clear"});
  }
  if (!tls12.empty())
    f.push_back({"tls-floor", "note", "tls.min_version",
                 tls12 + " accept TLS 1.2 (ECDHE and AEAD suites only); \"1.3\" leaves TLS 1.3 alone"});
  if (md5_offered(c))
    f.push_back({"digest-md5", "warning", "auth.digest_algorithms",
                 "MD5 is offered to Digest clients " + algorithms(c) + ": a client on a plaintext path can be led to answer with MD5"});
  if (!c.servicebox.services.empty() && plaintext_sip(c) && c.has_role("edge"))
    f.push_back({"token-transport", "warning", "sip.listen",
                 "content tokens are issued in SIP answers, which can travel over the udp/tcp listeners"});
  const bool embedded = c.core.scscf.empty() || c.core.scscf == "embedded";
  if (c.has_role("edge") && c.has_listener(Transport::kUdp)) {
    if (embedded && !c.auth.challenge_udp_requests)
      f.push_back({"udp-request-trust", "warning", "auth.challenge_udp_requests",
                   "requests of registered UDP flows are relayed with the flow's identity on its source address alone: "
                   "a spoofed datagram asserts a registered subscriber's identity (issue 17 F8a)"});
    if (!embedded)
      f.push_back({"udp-request-trust", "warning", "core.scscf",
                   "P-CSCF mode with a udp listener: the edge holds no credentials to challenge requests over UDP, so "
                   "the identity it asserts toward the S-CSCF rests on the UDP source address"});
  }
  std::string scscf = c.core.scscf;
  std::transform(scscf.begin(), scscf.end(), scscf.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  if (!embedded && scscf.find("transport=tcp") == std::string::npos && c.core.auth_key_file.empty())
    f.push_back({"core-trust", "warning", "core.auth_key_file",
                 "the S-CSCF is reached over UDP without core.auth_key_file: anyone can write its source address, so "
                 "the identities its requests assert are removed before they reach clients (issue 17 F4)"});
  if (c.registrar.max_contacts_per_aor > 100)
    f.push_back({"contact-cap", "warning", "registrar.max_contacts_per_aor",
                 "registrar.max_contacts_per_aor=" + num(c.registrar.max_contacts_per_aor) +
                     ": one subscriber may hold that many bindings per AoR (issue 17 F3: the edge's memory and every "
                     "lookup of the AoR grow with it)"});
  if (!c.media.sdes_requires_tls)
    f.push_back({"sdes-transport", plaintext_sip(c) ? "error" : "warning", "media.sdes_requires_tls",
                 "SDES a=crypto keys are passed on hops without TLS"});
  return f;
}

}  // namespace imsguard::tvra
