#pragma once
// The imsguard configuration: one typed tree that mirrors config/imsguard.yaml key for key.
// Loading is strict: an unknown key, a wrong type or a value out of range is an error with
// its key path and a hint, because a typo in a security product's config must never
// silently fall back to a weaker default.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imsguard::config {

enum class Transport { kUdp, kTcp, kTls };
std::string_view transport_name(Transport t);

struct Endpoint {
  std::string address = "127.0.0.1";
  uint16_t port = 0;
};

struct Listener {
  Transport transport = Transport::kUdp;
  std::string address = "127.0.0.1";
  uint16_t port = 5060;
};

struct SipLimits {
  uint32_t max_message_bytes = 65535;
  uint32_t max_headers = 128;
  uint32_t max_header_bytes = 8192;
  uint32_t max_via = 64;
};

// RFC 3261 timers of the transaction layer (17.1.1.1): T1 is the round-trip estimate that
// starts retransmissions (doubling), T2 the cap for non-INVITE requests and responses; a
// transaction gives up after 64*T1. Timer C (16.6 step 11) bounds how long a relayed
// INVITE may ring: the RFC wants more than 3 minutes; each provisional above 100 restarts it.
struct SipTimers {
  uint32_t t1_ms = 500;
  uint32_t t2_ms = 4000;
  uint32_t c_ms = 181000;
};

struct Sip {
  std::string domain = "ims.local";
  uint32_t workers = 0;
  std::vector<Listener> listen{{Transport::kUdp, "127.0.0.1", 5060},
                               {Transport::kTcp, "127.0.0.1", 5060},
                               {Transport::kTls, "127.0.0.1", 5061}};
  SipLimits limits;
  // Server transactions remembered for retransmissions over UDP (oldest evicted first):
  // 32 000/s answered here for 64*T1 (docs/architecture.md: memory per transaction).
  uint32_t max_transactions = 1048576;
  // Requests relayed over UDP that the edge retransmits itself (client transactions, and
  // its own non-2xx answers to INVITE awaiting their ACK): beyond it, a request is relayed
  // once, statelessly, and counted.
  uint32_t max_client_transactions = 16384;
  SipTimers timers;
  // The other edges of this SIP domain ("IP:port", UDP), when several share one state store.
  // A request from one of them is trusted only to carry this edge's own flow token in its
  // top Route: it is delivered to the client registered here (docs/state.md).
  std::vector<std::string> peers;
  // With peers: a file of at least 32 random bytes, the same on every edge. Requests between
  // edges carry an HMAC under it (edge/peer_auth.h); a peer's address alone proves nothing.
  std::string peer_key_file;
};

struct Tls {
  std::string ca, cert, key;
  std::string min_version = "1.2";
};

struct Connections {
  uint32_t max_per_source = 64;
  uint32_t max_total = 10000;
  uint32_t idle_timeout_s = 300;
  uint32_t message_deadline_s = 10;
  // From accept (TCP) or the end of the handshake (TLS) to the first byte: an idle
  // connection that never speaks holds a slot for this long at most.
  uint32_t first_byte_deadline_s = 10;
  uint32_t tls_handshake_deadline_s = 10;
};

struct Auth {
  std::string realm = "ims.local";
  std::vector<std::string> digest_algorithms{"SHA-256", "MD5"};
  // User-Agent products offered the MD5 challenge alone (edge/challenge_policy.h): clients
  // that cannot pick from a set that names SHA-256. Acceptance is unchanged.
  std::vector<std::string> md5_only_user_agents{"baresip", "sipp"};
  std::string qop = "auth";
  uint32_t nonce_lifetime_s = 30;
  uint32_t nonce_secret_rotation_s = 3600;
  bool aka = true;
  bool digest = true;
  // Out-of-dialog requests (MESSAGE, INVITE, SUBSCRIBE, OPTIONS, ...) from a registered UDP
  // flow are relayed with its identity only after a 407 Proxy-Authenticate answered from that
  // address (issue 17 F8a): a UDP source address alone can be forged. TCP/TLS are not challenged.
  bool challenge_udp_requests = true;
};

struct Registrar {
  uint32_t min_expires_s = 60;
  uint32_t max_expires_s = 7200;
  uint32_t default_expires_s = 3600;
  // Subscriber records read on the registration path are kept this long in memory (writes
  // made by this process refresh them at once; others are seen within it). 0: no cache.
  uint32_t subscriber_cache_ms = 1000;
  // Bindings are served from memory and written to the state store by one writer thread,
  // at most this many milliseconds after the 200 OK. 0: written before the 200 OK.
  uint32_t binding_flush_ms = 20;
  // Contacts one address of record may hold (issue 17 F3): a REGISTER that would add more is
  // refused (403), so one subscriber cannot fill the edge's memory or make every lookup of
  // its AoR cost more; refreshes and removals always pass.
  uint32_t max_contacts_per_aor = 10;
};

// A P-Asserted-Identity a client sends is always removed (no key: never switchable).
struct Identity {
  bool assert_authenticated = true;
  // What the core and the service box send toward clients names only the edge: their Vias,
  // Record-Route and Service-Route sealed, Server/User-Agent removed (edge/topology_hiding.h).
  bool topology_hiding = true;
};

struct BanlistGuard { bool enabled = true; uint32_t default_ttl_s = 3600; };
struct FloodGuard {
  bool enabled = true;
  uint32_t window_s = 2;
  uint32_t max_per_source = 1500;
  uint32_t max_per_prefix = 2000;
  uint32_t ban_ttl_s = 300;
  uint32_t memory_budget_kb = 4096;
  std::vector<std::string> allowlist;
};
struct ScannerGuard {
  bool enabled = true;
  uint32_t ban_ttl_s = 3600;
  uint32_t max_distinct_users = 20;
  uint32_t window_s = 60;
};
struct RateLimitGuard {
  bool enabled = true;
  uint32_t per_source_rps = 200;
  uint32_t per_impi_rps = 20;
  uint32_t per_method_rps = 100;  // per source and method
  uint32_t burst = 50;
  uint32_t authenticated_rps = 750;     // a flow that authenticated: its one bucket
  uint32_t authenticated_burst = 1500;  // deep enough for what queued during a stall
};
struct BruteForceGuard {
  bool enabled = true;
  uint32_t max_failures = 5;
  uint32_t window_s = 300;
  uint32_t lockout_s = 60;
  uint32_t backoff_factor = 2;
  uint32_t max_lockout_s = 3600;
  uint32_t per_impi_distributed = 20;
  uint32_t max_challenges_per_impi = 30;  // unauthenticated REGISTERs per IMPI per window (HSS protection)
  uint32_t max_resyncs = 3;               // AKA resynchronisations per IMPI per window
};
struct OverloadGuard {
  bool enabled = true;
  uint32_t max_inflight = 5000;
  uint32_t max_rps = 0;  // requests per second the edge serves before shedding; 0 = no rate cap
  uint32_t retry_after_s = 5;
};

struct Guards {
  // The switchable guards only: the SIP limits, parsing, validation, authentication and
  // identity assertion are the edge's own stages and always run.
  std::vector<std::string> order{"banlist", "flood", "scanner", "ratelimit", "bruteforce", "overload"};
  BanlistGuard banlist;
  FloodGuard flood;
  ScannerGuard scanner;
  RateLimitGuard ratelimit;
  BruteForceGuard bruteforce;
  OverloadGuard overload;
};

// Requests toward service platforms are always signed (PASSporT): no key switches it off.
struct Core {
  std::string scscf = "embedded";
  // With an external S-CSCF over UDP: a file of at least 32 random bytes shared with it. Its
  // requests carry Imsguard-Peer-Auth (edge/peer_auth.h) under this key; without a valid one
  // (or without the file) the identities they assert are removed: a UDP source address
  // alone proves nothing (issue 17 F4).
  std::string auth_key_file;
};

struct Service {
  std::string name;
  std::string method;
  // What the service may assert back toward the core (enforced by the core on its answers).
  // Unset: only its own URI sip:<name>@services.<domain>. Patterns are whole URIs; '*'
  // matches any run of characters other than '@', ':' and ';'.
  std::optional<std::vector<std::string>> may_assert;
  // Headers it may set beyond the dialog headers. Unset: Content-Type, Contact, Allow,
  // Supported, Server.
  std::optional<std::vector<std::string>> allowed_headers;
};

struct ServiceBox {
  Endpoint sip_listen{"127.0.0.1", 5070};
  Endpoint https_listen{"127.0.0.1", 8443};
  bool require_mtls = true;
  bool require_signed_assertion = true;
  uint32_t token_lifetime_s = 300;
  std::vector<Service> services{
      {"media", "INVITE", std::nullopt, std::vector<std::string>{"Content-Type", "Contact", "Allow", "Supported", "Server"}},
      {"messaging", "MESSAGE", std::nullopt, std::vector<std::string>{"Content-Type", "Contact", "Allow", "Supported", "Server"}},
      {"content", "GET", std::nullopt, std::vector<std::string>{}},  // answered by the core itself (token)
  };
};

enum class SrtpPolicy { kOff, kOptional, kMandatory };
std::string_view srtp_policy_name(SrtpPolicy p);

struct Media {
  SrtpPolicy srtp_policy = SrtpPolicy::kOptional;
  bool sdes_requires_tls = true;
  std::vector<std::string> crypto_suites{"AEAD_AES_128_GCM", "AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32"};
  // Streams the service box keeps at once for one subscriber, and in all (F9: a subscriber
  // held 14k streams, 14k descriptors). Above either, INVITEs are refused (486 / 503).
  uint32_t max_sessions_per_subscriber = 4;
  uint32_t max_sessions = 500;  // about what one pump thread keeps on time (docs/benchmarks.md)
};

struct Admin {
  Endpoint listen{"127.0.0.1", 9090};
  std::string token;
};

struct Config {
  std::vector<std::string> roles{"edge", "core", "servicebox"};
  std::string data_dir = "./imsguard-data";
  std::string state = "sqlite";
  std::string log_level = "info";
  std::string events_output = "stdout";
  Sip sip;
  Tls tls;
  Connections connections;
  Auth auth;
  Registrar registrar;
  Identity identity;
  Guards guards;
  Core core;
  ServiceBox servicebox;
  Media media;
  Admin admin;

  bool has_role(std::string_view role) const;
  bool has_listener(Transport t) const;
};

// One problem found while loading: where (key path like "guards.flood.window_s", and the
// line in the file when known) and what to do about it.
struct ConfigError {
  std::string path;
  int line = 0;  // 1-based; 0 when unknown
  std::string message;
  std::string hint;
  std::string to_string() const;
};

struct LoadResult {
  std::optional<Config> config;  // set only when errors is empty
  std::vector<ConfigError> errors;
  bool ok() const { return config.has_value(); }
};

// The YAML text compiled into the binary (config/imsguard.yaml).
std::string_view default_yaml();

LoadResult load_default();
LoadResult load_file(const std::string& path);
// `origin` names the text in messages (a file name or "<embedded default>").
LoadResult load_string(std::string_view yaml, std::string_view origin);

}  // namespace imsguard::config
