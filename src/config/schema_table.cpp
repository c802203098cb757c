// The one table of configuration keys (config/schema.h): every key of config/imsguard.yaml,
// in its order. A new key is one descriptor here (and its member in config.h, with the
// default, and its line in config/imsguard.yaml); tests/config fails until it also has an
// effect test (tests/config/key_effects.h) and docs/configuration.md is regenerated.
#include "config/schema.h"

#include <array>

namespace imsguard::config {

namespace {

constexpr Reload kRestart = Reload::kRestart;
constexpr Reload kApplied = Reload::kApplied;  // SIGHUP applies it (app::Node::reload)
constexpr uint64_t kU32 = 0xffffffffu;
constexpr std::span<const std::string_view> kAny{};

constexpr std::string_view kRoles[] = {"edge", "core", "servicebox"};
constexpr std::string_view kLevels[] = {"trace", "debug", "info", "warn", "error"};
constexpr std::string_view kTransports[] = {"udp", "tcp", "tls"};  // Transport's order
constexpr std::string_view kTlsVersions[] = {"1.2", "1.3"};
constexpr std::string_view kAlgorithms[] = {"SHA-256", "SHA-512-256", "MD5"};
constexpr std::string_view kQops[] = {"auth", "auth-int", "auth,auth-int"};
constexpr std::string_view kGuards[] = {"banlist", "flood", "scanner", "ratelimit", "bruteforce", "overload"};
constexpr std::string_view kSrtpPolicies[] = {"off", "optional", "mandatory"};  // SrtpPolicy's order
constexpr std::string_view kSuites[] = {"AEAD_AES_128_GCM", "AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32"};

constexpr KeyDescriptor kListenerKeys[] = {
    enum_key<&Listener::transport>("transport", kTransports, kRestart, "the transport of this listener"),
    string_key<&Listener::address>("address", kAny, kRestart,
                                   "an IP address of this host (no host names); `0.0.0.0` or `::` for all"),
    uint_key<&Listener::port>("port", 1, 65535, kRestart, "the port (UDP and TCP may share one)"),
};
constexpr ListOps kListeners = list_ops<Listener>(kListenerKeys);

constexpr KeyDescriptor kServiceKeys[] = {
    string_key<&Service::name>("name", kAny, kRestart,
                               "the service's name: subscribers' profiles list it, its URI is `sip:<name>@services.<sip.domain>`"),
    string_key<&Service::method>("method", kAny, kRestart, "the SIP method (or `GET` for content) the service answers"),
    list_key<&Service::may_assert>(
        "may_assert", kAny, kRestart,
        "identity patterns (`sip:`, `sips:`, `tel:`; `*` matches within one part, never across `@`, `:` or `;`; "
        "case-sensitive) the service may put in `P-Asserted-Identity` of its answers; unset: only its own URI "
        "`sip:<name>@services.<sip.domain>`. The core refuses an answer asserting anything else (502 to the subscriber, "
        "`imsguard_service_assertions_policed_total{kind=\"identity\"}`, security event)"),
    list_key<&Service::allowed_headers>(
        "allowed_headers", kAny, kRestart,
        "headers the service may set in its answers beyond the dialog headers (Via, From, To, Call-ID, CSeq, "
        "Record-Route, Max-Forwards, Content-Length); unset: Content-Type, Contact, Allow, Supported, Server. The core "
        "removes any other (`{kind=\"header\"}` counter, security event). Identity, routing and authentication headers "
        "(P-Asserted-Identity, Identity, Route, Path, Service-Route, WWW-Authenticate, ...) cannot be listed: the start "
        "fails with a clear error"),
};
constexpr ListOps kServices = list_ops<Service>(kServiceKeys);

constexpr KeyDescriptor kKeys[] = {
    list_key<&Config::roles>("roles", kRoles, kRestart, "roles started by `imsguard run`"),
    string_key<&Config::data_dir>(
        "data_dir", kAny, kRestart,
        "SQLite state (`imsguard.db`, mode 0600), generated PKI, demo credentials (only with the embedded default or "
        "`run --demo`); created 0700; a start that fails removes it again if it created it"),
    {.path = "state",
     .kind = Kind::kString,
     .field = schema_detail::field<&Config::state>(),
     .reload = kRestart,
     .doc = "`sqlite` (subscribers, bindings and bans survive a restart), `memory` (nothing survives a restart), or "
            "`redis://[[user]:password@]host[:port][/db][?timeout_ms=N&pool=N&prefix=P]`: bindings, SQNs, bans, lockouts "
            "and failure counters shared by every edge using the same URL (see [state.md](state.md)). `rediss://` / "
            "`?tls=1` speaks TLS 1.2+ to Redis, verifying its certificate against `ca` (else the system store) and "
            "presenting `cert`/`key` when given",
     .secret = Secret::kUrlPassword},
    string_key<&Config::log_level>(
        "log.level", kLevels, kApplied,
        "`trace` (as `debug`, with every SIP message received and sent written out in full), `debug` (one line per SIP "
        "message received and per message sent, answers and relayed copies: peer, size, start line), `info` (one line "
        "per registration, authentication failure and call, at most 20 a second of each kind, docs/operations.md "
        "\"Logs\"), `warn`, `error`. Logs go to standard output"),
    string_key<&Config::events_output>(
        "events.output", kAny, kApplied,
        "security events as JSON lines: `stdout`, `none`, or a file path (appended, created 0600); a reload with the "
        "same path reopens the file (log rotation)"),

    string_key<&Config::sip, &Sip::domain>("sip.domain", kAny, kRestart, "the SIP domain served"),
    uint_key<&Config::sip, &Sip::workers>("sip.workers", 0, 64, kRestart, "worker threads (0: one per core)"),
    uint_key<&Config::sip, &Sip::max_transactions>(
        "sip.max_transactions", 1024, 16u << 20, kRestart,
        "UDP server transactions the edge remembers (RFC 3261 Timer J/H, 64*T1) so a retransmitted request gets the same "
        "answer instead of a second evaluation; the oldest are evicted first when full. The default holds 32 000 "
        "requests/s answered by the edge (8 000/s relayed); 216 bytes plus the stored answer each while in use "
        "(docs/architecture.md)"),
    uint_key<&Config::sip, &Sip::max_client_transactions>(
        "sip.max_client_transactions", 16, 1u << 20, kRestart,
        "requests the edge relays over UDP (to a registered user, a peer edge or the S-CSCF, and from the S-CSCF to a "
        "client) and resends itself until the next hop answers (RFC 3261 client transactions, 408 to the sender at "
        "64*T1), plus its own non-2xx answers to INVITE resent until the ACK (Timer G); relayed INVITEs under Timer C "
        "have the same bound; they hold at most this many times 4 KiB of messages in all; past either bound a request "
        "is relayed once, statelessly, and "
        "`imsguard_sip_client_transactions_total{event=\"untracked_table_full\"}` counts it"),
    uint_key<&Config::sip, &Sip::timers, &SipTimers::t1_ms>(
        "sip.timers.t1_ms", 10, 10000, kRestart,
        "RFC 3261 T1: first retransmission interval, doubling; transactions give up at 64*T1 and server transactions "
        "are remembered that long"),
    uint_key<&Config::sip, &Sip::timers, &SipTimers::t2_ms>(
        "sip.timers.t2_ms", 100, 60000, kRestart,
        "RFC 3261 T2: cap of the interval for non-INVITE requests and for answers awaiting an ACK; not below `t1_ms`"),
    uint_key<&Config::sip, &Sip::timers, &SipTimers::c_ms>(
        "sip.timers.c_ms", 1000, 86400000, kRestart,
        "RFC 3261 Timer C: how long a relayed INVITE may go without a final answer, restarted by each provisional above "
        "100; then the edge CANCELs the callee (after a provisional) or answers the caller 408 (before any). The RFC "
        "wants more than 3 minutes; lower values are for test labs"),
    list_key<&Config::sip, &Sip::peers>(
        "sip.peers", kAny, kRestart,
        "the other edges of this domain sharing one `state:` store, as `IP:port` of their UDP listener (no host names). "
        "A binding then records a Path to the edge holding the client's flow; requests from a peer are delivered only "
        "by this edge's own flow token in their Route (docs/state.md)"),
    string_key<&Config::sip, &Sip::peer_key_file>(
        "sip.peer_key_file", kAny, kRestart,
        "with `sip.peers`: a file of at least 32 random bytes, the same on every edge (`head -c 32 /dev/urandom`). Each "
        "request an edge relays to a peer carries `Imsguard-Peer-Auth`, an HMAC under this key over its identity fields "
        "and the time; a request from a peer's address without a valid, fresh one is treated as a client's "
        "(docs/security-model.md). Required when `sip.peers` is not empty"),
    items_key<&Config::sip, &Sip::listen>("sip.listen", kListeners, kRestart,
                                          "the SIP listeners of the edge: `{transport, address, port}` each",
                                          "UDP+TCP 5060, TLS 5061 on 127.0.0.1"),
    uint_key<&Config::sip, &Sip::limits, &SipLimits::max_message_bytes>(
        "sip.limits.max_message_bytes", 512, 1u << 20, kRestart,
        "larger messages: 513 (UDP) or connection closed (streams)"),
    uint_key<&Config::sip, &Sip::limits, &SipLimits::max_headers>("sip.limits.max_headers", 8, 4096, kRestart,
                                                                  "more header lines: 400"),
    uint_key<&Config::sip, &Sip::limits, &SipLimits::max_header_bytes>("sip.limits.max_header_bytes", 128, 1u << 20,
                                                                       kRestart, "a longer header line: 400"),
    uint_key<&Config::sip, &Sip::limits, &SipLimits::max_via>("sip.limits.max_via", 1, 1024, kRestart,
                                                              "more Via values: 400"),

    string_key<&Config::tls, &Tls::ca>(
        "tls.ca", kAny, kApplied,
        "PEM file of the CA that signed the edge's certificate (sent in the chain); empty with `cert` empty: the private "
        "CA generated under `data_dir/pki`"),
    string_key<&Config::tls, &Tls::cert>(
        "tls.cert", kAny, kApplied,
        "PEM certificate of the edge's TLS listeners; empty: a private CA and an edge certificate are created under "
        "`data_dir/pki`. A reload re-reads it for new connections (certificate rotation)"),
    string_key<&Config::tls, &Tls::key>("tls.key", kAny, kApplied, "PEM private key of `tls.cert`"),
    string_key<&Config::tls, &Tls::min_version>(
        "tls.min_version", kTlsVersions, kRestart,
        "TLS 1.2 uses ECDHE with AEAD ciphers only; no compression, no renegotiation"),

    uint_key<&Config::connections, &Connections::max_per_source>(
        "connections.max_per_source", 1, kU32, kRestart,
        "TCP/TLS connections per source address (more are closed at accept)"),
    uint_key<&Config::connections, &Connections::max_total>(
        "connections.max_total", 1, kU32, kRestart,
        "TCP/TLS connections in all; when full, the oldest connections of unregistered clients (those that never "
        "completed a message first) are closed to admit new ones, registered flows never"),
    uint_key<&Config::connections, &Connections::idle_timeout_s>("connections.idle_timeout_s", 1, 86400, kRestart,
                                                                 "idle connections are closed"),
    uint_key<&Config::connections, &Connections::message_deadline_s>(
        "connections.message_deadline_s", 1, 3600, kRestart,
        "a message must be complete this long after its first byte (slow-header attacks)"),
    uint_key<&Config::connections, &Connections::first_byte_deadline_s>(
        "connections.first_byte_deadline_s", 1, 3600, kRestart,
        "a connection that sends nothing this long after accept (TCP) or after its handshake (TLS) is closed"),
    uint_key<&Config::connections, &Connections::tls_handshake_deadline_s>(
        "connections.tls_handshake_deadline_s", 1, 3600, kRestart, "a TLS handshake must complete this long after accept"),

    string_key<&Config::auth, &Auth::realm>("auth.realm", kAny, kRestart, "Digest realm (part of every HA1)"),
    list_key<&Config::auth, &Auth::digest_algorithms>(
        "auth.digest_algorithms", kAlgorithms, kRestart,
        "challenge order; put MD5 first only for clients that take the first challenge whatever it says (sipp 3.6); "
        "offer `[MD5]` alone for clients that give up when any challenge names an algorithm they lack (baresip 1.0 / "
        "libre: \"Register: Function not implemented\"). Each lists the weaker hash for every user of the edge, so keep "
        "such clients on an edge of their own"),
    list_key<&Config::auth, &Auth::md5_only_user_agents>(
        "auth.md5_only_user_agents", kAny, kRestart,
        "User-Agent products (first token, whole, any case) whose 401 carries the MD5 (and AKA) challenge alone, while "
        "MD5 is in `auth.digest_algorithms`: baresip 1.0 gives up on a set that names SHA-256, sipp 3.6 answers the "
        "first entry. Every other client still gets SHA-256 first; what is accepted does not change "
        "(docs/security-model.md). `[]`: everybody gets the full set"),
    string_key<&Config::auth, &Auth::qop>("auth.qop", kQops, kRestart, "the qop offered; answers without qop are refused"),
    uint_key<&Config::auth, &Auth::nonce_lifetime_s>("auth.nonce_lifetime_s", 5, 3600, kRestart,
                                                     "a nonce older than this gets `stale=true`"),
    uint_key<&Config::auth, &Auth::nonce_secret_rotation_s>(
        "auth.nonce_secret_rotation_s", 10, 7 * 86400, kRestart,
        "the HMAC secret of the stateless nonces rotates this often (at least twice `nonce_lifetime_s`: a lower value "
        "is raised to it); a nonce made under the secret before the previous one is no longer accepted (a fresh "
        "challenge). Below a minute only for test labs"),
    bool_key<&Config::auth, &Auth::aka>("auth.aka", kRestart, "IMS AKA for SIM subscribers (challenge and answers)"),
    bool_key<&Config::auth, &Auth::digest>("auth.digest", kRestart, "SIP Digest for IP subscribers (challenge and answers)"),
    bool_key<&Config::auth, &Auth::challenge_udp_requests>(
        "auth.challenge_udp_requests", kRestart,
        "with the embedded registrar, an out-of-dialog request (MESSAGE, INVITE, SUBSCRIBE, OPTIONS, REFER, NOTIFY, "
        "PUBLISH...; not REGISTER, ACK, CANCEL) from a registered UDP flow gets 407 Proxy-Authenticate and is relayed "
        "with the flow's identity only when its Proxy-Authorization proves that flow's subscriber, from that address "
        "(nonce bound to source and identity); the Proxy-Authorization is removed before relaying. A UDP source "
        "address can be forged, a TCP/TLS one cannot: streams are not challenged. `false`: the registered UDP flow's "
        "address is trusted as before (docs/security-model.md, \"Requests over UDP\")"),

    uint_key<&Config::registrar, &Registrar::min_expires_s>("registrar.min_expires_s", 1, 86400, kRestart,
                                                            "shorter: 423 Interval Too Brief with Min-Expires"),
    uint_key<&Config::registrar, &Registrar::max_expires_s>("registrar.max_expires_s", 1, 7 * 86400, kRestart,
                                                            "longer requests are shortened to this"),
    uint_key<&Config::registrar, &Registrar::default_expires_s>(
        "registrar.default_expires_s", 1, 7 * 86400, kRestart,
        "when the client names none; between `min_expires_s` and `max_expires_s`"),
    uint_key<&Config::registrar, &Registrar::subscriber_cache_ms>(
        "registrar.subscriber_cache_ms", 0, 60000, kRestart,
        "the registration path keeps subscriber records (found or not) in memory until the store's change stamp moves; "
        "it reads the stamp this often, so a change made by another process (`imsguard subscriber bar`) applies within "
        "this time, and one made by this process at once. A store without a stamp re-reads each record after this "
        "time; 0 reads the store every time"),
    uint_key<&Config::registrar, &Registrar::binding_flush_ms>(
        "registrar.binding_flush_ms", 0, 1000, kRestart,
        "bindings are answered from memory and written to the state store by one writer thread within this time after "
        "the 200 OK (a crash loses at most this window; a clean stop writes everything); 0 writes before the 200 OK. "
        "Only with `state: sqlite`: shared backends are always written through"),
    uint_key<&Config::registrar, &Registrar::max_contacts_per_aor>(
        "registrar.max_contacts_per_aor", 1, 100000, kRestart,
        "Contacts one address of record may hold. A REGISTER that would add a Contact beyond it is refused with 403 "
        "and a Warning, counted in `imsguard_registrar_rejected_total{reason=\"too_many_contacts\"}`, one `registrar` "
        "security event per AoR and episode; refreshes of Contacts already bound and removals always pass, and the "
        "expired bindings of the AoR are removed first (docs/security-model.md, \"Bindings per AoR\")"),

    bool_key<&Config::identity, &Identity::assert_authenticated>(
        "identity.assert_authenticated", kRestart,
        "assert the authenticated IMPU toward the callee (withheld with `Privacy: id`). A P-Asserted-Identity or "
        "P-Preferred-Identity a client sends is always removed (no key)"),
    bool_key<&Config::identity, &Identity::topology_hiding>(
        "identity.topology_hiding", kRestart,
        "what the S-CSCF (core.scscf) and the service box send toward clients names only the edge: the Vias below "
        "the edge's own and the network's Record-Route and Service-Route entries are sealed (AES-GCM) into one entry "
        "naming the edge, the core's Contact into a URI naming the edge, and restored on the way back, foreign Path entries, Server and User-Agent are removed, "
        "Warning agents become sip.domain (docs/security-model.md, \"Topology hiding\"); counted in "
        "`imsguard_topology_hidden_total{header}`"),

    list_key<&Config::guards, &Guards::order>(
        "guards.order", kGuards, kApplied,
        "the switchable guards in the order they run at each hook (docs/guards.md); a guard not listed does not run. "
        "SIP limits, parsing, validation, authentication and identity assertion are the edge's own stages: always on, "
        "not listed"),
    bool_key<&Config::guards, &Guards::banlist, &BanlistGuard::enabled>(
        "guards.banlist.enabled", kApplied, "drop messages from banned sources (flood, scanner and operator bans)"),
    uint_key<&Config::guards, &Guards::banlist, &BanlistGuard::default_ttl_s>(
        "guards.banlist.default_ttl_s", 1, kU32, kApplied,
        "the duration of an operator's ban that names none (`imsguard ban add`, admin API)"),
    bool_key<&Config::guards, &Guards::flood, &FloodGuard::enabled>(
        "guards.flood.enabled", kApplied, "count messages per source and per prefix; ban a source or prefix over the limit"),
    uint_key<&Config::guards, &Guards::flood, &FloodGuard::window_s>("guards.flood.window_s", 1, 3600, kApplied,
                                                                     "the sliding window the flood counts cover"),
    uint_key<&Config::guards, &Guards::flood, &FloodGuard::max_per_source>(
        "guards.flood.max_per_source", 1, kU32, kApplied,
        "messages per window from one source (one flow once it authenticated) before it is banned"),
    uint_key<&Config::guards, &Guards::flood, &FloodGuard::max_per_prefix>(
        "guards.flood.max_per_prefix", 1, kU32, kApplied,
        "messages per window from one /24 (IPv4) or /64 (IPv6) of unauthenticated sources before the prefix is banned"),
    uint_key<&Config::guards, &Guards::flood, &FloodGuard::ban_ttl_s>("guards.flood.ban_ttl_s", 1, kU32, kApplied,
                                                                      "how long a flood ban lasts"),
    uint_key<&Config::guards, &Guards::flood, &FloodGuard::memory_budget_kb>(
        "guards.flood.memory_budget_kb", 64, 1u << 22, kApplied,
        "memory of the flood guard's two count-min sketches (fixed whatever the number of sources); smaller: more "
        "collisions, so more over-counting"),
    list_key<&Config::guards, &Guards::flood, &FloodGuard::allowlist>(
        "guards.flood.allowlist", kAny, kApplied,
        "addresses or prefixes never counted, never banned, not subject to scanner, rate-limit or overload shedding"),
    bool_key<&Config::guards, &Guards::scanner, &ScannerGuard::enabled>(
        "guards.scanner.enabled", kApplied,
        "drop and ban sources that fingerprint as scanners (User-Agent of known tools) or behave as one"),
    uint_key<&Config::guards, &Guards::scanner, &ScannerGuard::ban_ttl_s>("guards.scanner.ban_ttl_s", 1, kU32, kApplied,
                                                                          "how long a scanner ban lasts"),
    uint_key<&Config::guards, &Guards::scanner, &ScannerGuard::max_distinct_users>(
        "guards.scanner.max_distinct_users", 1, kU32, kApplied,
        "distinct users (or OPTIONS) one unauthenticated source may address within `window_s` before it is banned as "
        "a scanner"),
    uint_key<&Config::guards, &Guards::scanner, &ScannerGuard::window_s>("guards.scanner.window_s", 1, 86400, kApplied,
                                                                         "the window of `max_distinct_users`"),
    bool_key<&Config::guards, &Guards::ratelimit, &RateLimitGuard::enabled>(
        "guards.ratelimit.enabled", kApplied, "token buckets per source, per source and method, per claimed IMPI"),
    uint_key<&Config::guards, &Guards::ratelimit, &RateLimitGuard::per_source_rps>(
        "guards.ratelimit.per_source_rps", 1, kU32, kApplied, "requests per second of one unauthenticated source"),
    uint_key<&Config::guards, &Guards::ratelimit, &RateLimitGuard::per_impi_rps>(
        "guards.ratelimit.per_impi_rps", 1, kU32, kApplied, "REGISTERs per second claiming one IMPI, from strangers"),
    uint_key<&Config::guards, &Guards::ratelimit, &RateLimitGuard::per_method_rps>(
        "guards.ratelimit.per_method_rps", 1, kU32, kApplied,
        "requests per second of one method from one unauthenticated source"),
    uint_key<&Config::guards, &Guards::ratelimit, &RateLimitGuard::burst>("guards.ratelimit.burst", 1, kU32, kApplied,
                                                                          "depth of the strangers' buckets"),
    uint_key<&Config::guards, &Guards::ratelimit, &RateLimitGuard::authenticated_rps>(
        "guards.ratelimit.authenticated_rps", 1, kU32, kApplied,
        "requests per second of a flow that authenticated (its one bucket; over it: 503 with Retry-After 1)"),
    uint_key<&Config::guards, &Guards::ratelimit, &RateLimitGuard::authenticated_burst>(
        "guards.ratelimit.authenticated_burst", 1, kU32, kApplied,
        "depth of an authenticated flow's bucket (what queued while a flood stalled the edge)"),
    bool_key<&Config::guards, &Guards::bruteforce, &BruteForceGuard::enabled>(
        "guards.bruteforce.enabled", kApplied,
        "count wrong answers to our challenges per source and per IMPI and lock out; cap challenges per IMPI (HSS)"),
    uint_key<&Config::guards, &Guards::bruteforce, &BruteForceGuard::max_failures>(
        "guards.bruteforce.max_failures", 1, 1000, kApplied, "wrong answers from one source within `window_s` before it is locked out"),
    uint_key<&Config::guards, &Guards::bruteforce, &BruteForceGuard::window_s>(
        "guards.bruteforce.window_s", 1, 86400, kApplied, "the window failures, challenges and resyncs are counted in"),
    uint_key<&Config::guards, &Guards::bruteforce, &BruteForceGuard::lockout_s>(
        "guards.bruteforce.lockout_s", 1, 86400, kApplied, "the first lockout's length"),
    uint_key<&Config::guards, &Guards::bruteforce, &BruteForceGuard::backoff_factor>(
        "guards.bruteforce.backoff_factor", 1, 16, kApplied, "each further lockout lasts this many times the previous one"),
    uint_key<&Config::guards, &Guards::bruteforce, &BruteForceGuard::max_lockout_s>(
        "guards.bruteforce.max_lockout_s", 1, 7 * 86400, kApplied, "the cap of a lockout's length"),
    uint_key<&Config::guards, &Guards::bruteforce, &BruteForceGuard::per_impi_distributed>(
        "guards.bruteforce.per_impi_distributed", 1, 100000, kApplied,
        "wrong answers for one IMPI from all sources within `window_s` before the IMPI is locked (403)"),
    uint_key<&Config::guards, &Guards::bruteforce, &BruteForceGuard::max_challenges_per_impi>(
        "guards.bruteforce.max_challenges_per_impi", 1, 100000, kApplied,
        "unauthenticated REGISTERs (challenges: HSS vectors, AKA SQNs) per IMPI within `window_s`; more are dropped "
        "unless they answer a nonce issued to their source"),
    uint_key<&Config::guards, &Guards::bruteforce, &BruteForceGuard::max_resyncs>(
        "guards.bruteforce.max_resyncs", 1, 1000, kApplied,
        "AKA resynchronisations per IMPI within `window_s`; more lock the IMPI"),
    bool_key<&Config::guards, &Guards::overload, &OverloadGuard::enabled>(
        "guards.overload.enabled", kApplied, "shed unauthenticated traffic when the edge is overloaded"),
    uint_key<&Config::guards, &Guards::overload, &OverloadGuard::max_inflight>(
        "guards.overload.max_inflight", 1, kU32, kApplied, "messages inside the edge at once before shedding"),
    uint_key<&Config::guards, &Guards::overload, &OverloadGuard::max_rps>(
        "guards.overload.max_rps", 0, kU32, kApplied, "requests per second served before shedding; 0: no rate cap"),
    uint_key<&Config::guards, &Guards::overload, &OverloadGuard::retry_after_s>(
        "guards.overload.retry_after_s", 1, 3600, kApplied, "the Retry-After of the 503 a shed request gets"),

    string_key<&Config::core, &Core::scscf>(
        "core.scscf", kAny, kRestart,
        "`embedded`: the edge's own registrar authenticates and routes. `sip:<IP address>[:port][;transport=udp|tcp]`: "
        "the edge is a P-CSCF in front of that S-CSCF (REGISTER relayed with a Path, requests of registered flows "
        "relayed to it, its requests delivered by flow token; see architecture.md). Host names are refused"),
    string_key<&Config::core, &Core::auth_key_file>(
        "core.auth_key_file", kAny, kRestart,
        "with an external S-CSCF over UDP: a file of at least 32 random bytes shared with it. A request from the "
        "S-CSCF's address keeps the identities it asserts (P-Asserted-Identity, Identity, P-Associated-URI, ...) only "
        "when it carries a valid `Imsguard-Peer-Auth` under this key (the HMAC the peer edges use, edge/peer_auth.h); "
        "otherwise they are removed before it reaches the client, counted in "
        "`imsguard_proxy_requests_total{outcome=\"scscf_unproven\"}`. Empty: every such request loses them, and the "
        "edge warns at start (a UDP source address alone proves nothing; docs/security-model.md)"),

    string_key<&Config::servicebox, &ServiceBox::sip_listen, &Endpoint::address>(
        "servicebox.sip_listen.address", kAny, kRestart, "address of the service box's SIP listener (mutual TLS)"),
    uint_key<&Config::servicebox, &ServiceBox::sip_listen, &Endpoint::port>("servicebox.sip_listen.port", 1, 65535,
                                                                            kRestart, "its port"),
    string_key<&Config::servicebox, &ServiceBox::https_listen, &Endpoint::address>(
        "servicebox.https_listen.address", kAny, kRestart, "address of the service box's HTTPS listener (content)"),
    uint_key<&Config::servicebox, &ServiceBox::https_listen, &Endpoint::port>("servicebox.https_listen.port", 1, 65535,
                                                                              kRestart, "its port"),
    bool_key<&Config::servicebox, &ServiceBox::require_mtls>(
        "servicebox.require_mtls", kRestart, "the service box's SIP listener refuses a peer without a certificate of our CA"),
    bool_key<&Config::servicebox, &ServiceBox::require_signed_assertion>(
        "servicebox.require_signed_assertion", kRestart,
        "the service box refuses a request without a valid signed identity assertion (PASSporT) from the core"),
    uint_key<&Config::servicebox, &ServiceBox::token_lifetime_s>(
        "servicebox.token_lifetime_s", 10, 86400, kRestart, "lifetime of the content tokens the core hands out"),
    items_key<&Config::servicebox, &ServiceBox::services>(
        "servicebox.services", kServices, kRestart,
        "the services of the platform: `{name, method, may_assert, allowed_headers}` each",
        "media (INVITE), messaging (MESSAGE), content (GET)"),

    enum_key<&Config::media, &Media::srtp_policy>(
        "media.srtp_policy", kSrtpPolicies, kRestart,
        "`off`: no SRTP; `optional`: SRTP when both ends offer it; `mandatory`: calls without it are refused"),
    bool_key<&Config::media, &Media::sdes_requires_tls>("media.sdes_requires_tls", kRestart,
                                                        "strip `a=crypto` from SDP that arrived over a non-TLS flow"),
    list_key<&Config::media, &Media::crypto_suites>("media.crypto_suites", kSuites, kRestart, "SRTP suites offered, in order"),
    uint_key<&Config::media, &Media::max_sessions_per_subscriber>(
        "media.max_sessions_per_subscriber", 1, 1024, kRestart,
        "media streams the service box keeps at once for one subscriber; above it an INVITE gets 486 and one event per "
        "episode"),
    uint_key<&Config::media, &Media::max_sessions>(
        "media.max_sessions", 1, 100000, kRestart,
        "media streams the service box keeps in all (one pump thread keeps about 500-700 on time, "
        "docs/benchmarks.md); above it 503 with Retry-After, one event per episode"),

    string_key<&Config::admin, &Admin::listen, &Endpoint::address>(
        "admin.listen.address", kAny, kRestart,
        "the admin HTTP listener: Prometheus `GET /metrics` and the admin API (bans, registrations, subscriber state; "
        "see [operations.md](operations.md)). Plain HTTP: keep it on loopback or behind a TLS proxy"),
    uint_key<&Config::admin, &Admin::listen, &Endpoint::port>("admin.listen.port", 0, 65535, kRestart,
                                                              "its port; 0 picks a free port (printed in the banner)"),
    {.path = "admin.token",
     .kind = Kind::kString,
     .field = schema_detail::field<&Config::admin, &Admin::token>(),
     .reload = kRestart,
     .doc = "bearer token every admin request must carry (`Authorization: Bearer <token>`, compared in constant time; at "
            "least 16 characters). Empty: nothing listens, neither the API nor `/metrics`",
     .secret = Secret::kToken},
};

constexpr RemovedKey kRemoved[] = {
    {"identity.strip_client_asserted", "a P-Asserted-Identity sent by a client is always removed",
     "delete the line: the edge never trusts a client's assertion"},
    {"guards.size", "the SIP size limits are the edge's own stage and always run",
     "delete the section and remove 'size' from guards.order; the limits are sip.limits.*"},
    {"guards.parse", "strict parsing is the edge's own stage and always runs",
     "delete the section and remove 'parse' from guards.order"},
    {"guards.sanity", "request validation is the edge's own stage and always runs",
     "delete the section and remove 'sanity' from guards.order"},
    {"guards.auth", "authentication is the edge's own stage and always runs",
     "delete the section and remove 'auth' from guards.order; auth.aka and auth.digest choose the methods"},
    {"guards.identity", "identity assertion is the edge's own stage and always runs",
     "delete the section and remove 'identity' from guards.order; identity.assert_authenticated remains"},
    {"core.sign_assertions", "requests toward service platforms are always signed",
     "delete the line; servicebox.require_signed_assertion says whether the service box insists"},
};

}  // namespace

std::span<const KeyDescriptor> schema() { return kKeys; }
std::span<const RemovedKey> removed_keys() { return kRemoved; }

}  // namespace imsguard::config
