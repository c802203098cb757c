#pragma once
// Which test shows each configuration key acting on a running `imsguard run` (or on the CLI):
// every key of the schema (config/schema_table.cpp) and every field of a list key's items has
// at least one entry, and ConfigKeyEffects.* (key_effects_test.cpp) fails when one has none,
// names a key that does not exist, or names a test its file does not hold or a file that
// never mentions the key. A key added to the schema without a test that flips it therefore
// fails CI, and a key whose effect test is removed does too: a dead key cannot hide.
//
// The reloadable keys are shown by the reload tests (SIGHUP on a running edge, then the
// effect); the others by key_effects_e2e_test.cpp, one edge per group of keys, or by the
// end-to-end test of their own area where that one already flips the key.
#include <string_view>

namespace imsguard::testing {

struct KeyEffect {
  std::string_view key;   // a schema path; "sip.listen[].port" for a field of a list key's items
  std::string_view file;  // below tests/
  std::string_view test;  // "Suite.Name" (a TEST, TEST_F or TEST_P of that file)
};

inline constexpr std::string_view kReload = "config/reload_e2e_test.cpp";
inline constexpr std::string_view kKeys = "config/key_effects_e2e_test.cpp";

inline constexpr KeyEffect kKeyEffects[] = {
    {"roles", kKeys, "KeyEffectsE2e.ListenersLimitsTlsConnectionsAndRoles"},
    {"roles", kKeys, "KeyEffectsE2e.ServicePlatformMediaAndAdminKeys"},
    {"data_dir", kKeys, "KeyEffectsE2e.WorkersDomainDigestOffAndBindingFlush"},
    {"state", kKeys, "KeyEffectsE2e.WorkersDomainDigestOffAndBindingFlush"},
    {"state", "store/multi_edge_e2e_test.cpp", "MultiEdge.RegisteredThroughAIsReachedThroughB"},
    {"log.level", kReload, "LogLevelE2e.DebugTracesOneLinePerMessageTraceTheWholeMessage"},
    {"log.level", kReload, "ReloadE2e.ReloadableKeysActAndARestartKeyIsNamedNotApplied"},
    {"events.output", kReload, "ReloadE2e.ReloadableKeysActAndARestartKeyIsNamedNotApplied"},

    {"sip.domain", kKeys, "KeyEffectsE2e.WorkersDomainDigestOffAndBindingFlush"},
    {"sip.workers", kKeys, "KeyEffectsE2e.WorkersDomainDigestOffAndBindingFlush"},
    {"sip.max_transactions", kKeys, "KeyEffectsE2e.ListenersLimitsTlsConnectionsAndRoles"},
    {"sip.max_client_transactions", kKeys, "KeyEffectsE2e.RegistrarIdentitySdesAndRelayKeys"},
    {"sip.timers.t1_ms", "edge/client_transactions_e2e_test.cpp",
     "ClientTransactionsE2e.ACalleeThatNeverAnswersMakesTheCallerGet408AndItsRetransmissionTheSame"},
    {"sip.timers.t2_ms", kKeys, "KeyEffectsE2e.RegistrarIdentitySdesAndRelayKeys"},
    {"sip.timers.c_ms", "edge/client_transactions_e2e_test.cpp", "ClientTransactionsE2e.TimerCCancelsACalleeThatRingsAndNeverAnswers"},
    {"sip.peers", "store/multi_edge_e2e_test.cpp", "MultiEdge.RegisteredThroughAIsReachedThroughB"},
    {"sip.peer_key_file", "store/multi_edge_e2e_test.cpp", "MultiEdge.ARequestSpoofedFromAPeersAddressIsNotTrusted"},
    {"sip.listen", kKeys, "KeyEffectsE2e.ListenersLimitsTlsConnectionsAndRoles"},
    {"sip.listen[].transport", kKeys, "KeyEffectsE2e.ListenersLimitsTlsConnectionsAndRoles"},
    {"sip.listen[].address", kKeys, "KeyEffectsE2e.ListenersLimitsTlsConnectionsAndRoles"},
    {"sip.listen[].port", kKeys, "KeyEffectsE2e.ListenersLimitsTlsConnectionsAndRoles"},
    {"sip.limits.max_message_bytes", kKeys, "KeyEffectsE2e.ListenersLimitsTlsConnectionsAndRoles"},
    {"sip.limits.max_headers", kKeys, "KeyEffectsE2e.ListenersLimitsTlsConnectionsAndRoles"},
    {"sip.limits.max_header_bytes", kKeys, "KeyEffectsE2e.ListenersLimitsTlsConnectionsAndRoles"},
    {"sip.limits.max_via", kKeys, "KeyEffectsE2e.ListenersLimitsTlsConnectionsAndRoles"},

    {"tls.ca", kReload, "ReloadE2e.TlsCertificateKeyAndCaApplyToNewConnections"},
    {"tls.cert", kReload, "ReloadE2e.TlsCertificateKeyAndCaApplyToNewConnections"},
    {"tls.key", kReload, "ReloadE2e.TlsCertificateKeyAndCaApplyToNewConnections"},
    {"tls.min_version", kKeys, "KeyEffectsE2e.ListenersLimitsTlsConnectionsAndRoles"},

    {"connections.max_per_source", kKeys, "KeyEffectsE2e.ListenersLimitsTlsConnectionsAndRoles"},
    {"connections.max_total", "net/connections_e2e_test.cpp",
     "ConnectionsE2e.AFullTableOfSilentStrangersStillAdmitsNewClientsAndKeepsRegisteredOnes"},
    {"connections.idle_timeout_s", kKeys, "KeyEffectsE2e.ListenersLimitsTlsConnectionsAndRoles"},
    {"connections.message_deadline_s", "net/connections_e2e_test.cpp", "ConnectionsE2e.PingsWithoutAMessageDoNotKeepAConnection"},
    {"connections.first_byte_deadline_s", "net/connections_e2e_test.cpp",
     "ConnectionsE2e.AShorterFirstByteDeadlineClosesTheSilentConnectionSooner"},
    {"connections.tls_handshake_deadline_s", "net/connections_e2e_test.cpp",
     "ConnectionsE2e.ATlsHandshakeThatNeverStartsIsClosedAtItsDeadline"},

    {"auth.realm", kKeys, "KeyEffectsE2e.AuthenticationKeys"},
    {"auth.digest_algorithms", kKeys, "KeyEffectsE2e.AuthenticationKeys"},
    {"auth.md5_only_user_agents", kKeys, "KeyEffectsE2e.AuthenticationKeys"},
    {"auth.challenge_udp_requests", "edge/udp_request_challenge_e2e_test.cpp",
     "UdpRequestChallengeE2e.WithTheKeyOffTheSourceAddressIsTrustedAgain"},
    {"auth.qop", kKeys, "KeyEffectsE2e.AuthenticationKeys"},
    {"auth.nonce_lifetime_s", kKeys, "KeyEffectsE2e.AuthenticationKeys"},
    {"auth.nonce_secret_rotation_s", kKeys, "KeyEffectsE2e.AuthenticationKeys"},
    {"auth.aka", kKeys, "KeyEffectsE2e.AuthenticationKeys"},
    {"auth.digest", kKeys, "KeyEffectsE2e.WorkersDomainDigestOffAndBindingFlush"},

    {"registrar.min_expires_s", kKeys, "KeyEffectsE2e.RegistrarIdentitySdesAndRelayKeys"},
    {"registrar.max_expires_s", kKeys, "KeyEffectsE2e.RegistrarIdentitySdesAndRelayKeys"},
    {"registrar.default_expires_s", kKeys, "KeyEffectsE2e.RegistrarIdentitySdesAndRelayKeys"},
    {"registrar.subscriber_cache_ms", kKeys, "KeyEffectsE2e.RegistrarIdentitySdesAndRelayKeys"},
    {"registrar.binding_flush_ms", kKeys, "KeyEffectsE2e.WorkersDomainDigestOffAndBindingFlush"},
    {"registrar.max_contacts_per_aor", "edge/contact_cap_e2e_test.cpp", "ContactCapE2e.TheKeyMovesTheLimit"},
    {"identity.assert_authenticated", kKeys, "KeyEffectsE2e.RegistrarIdentitySdesAndRelayKeys"},
    {"identity.topology_hiding", "edge/topology_hiding_e2e_test.cpp", "TopologyHidingE2e.WithTheKeyOffTheClientSeesTheCoresHosts"},

    {"guards.order", kReload, "GuardReloadE2e.OrderAndBanlist"},
    {"guards.banlist.enabled", kReload, "GuardReloadE2e.OrderAndBanlist"},
    {"guards.banlist.default_ttl_s", kReload, "GuardReloadE2e.OrderAndBanlist"},
    {"guards.flood.enabled", kReload, "GuardReloadE2e.Flood"},
    {"guards.flood.window_s", kReload, "GuardReloadE2e.Flood"},
    {"guards.flood.max_per_source", kReload, "GuardReloadE2e.Flood"},
    {"guards.flood.max_per_prefix", kReload, "GuardReloadE2e.Flood"},
    {"guards.flood.ban_ttl_s", kReload, "GuardReloadE2e.Flood"},
    {"guards.flood.memory_budget_kb", kReload, "GuardReloadE2e.Flood"},
    {"guards.flood.allowlist", kReload, "GuardReloadE2e.Flood"},
    {"guards.scanner.enabled", kReload, "GuardReloadE2e.Scanner"},
    {"guards.scanner.ban_ttl_s", kReload, "GuardReloadE2e.Scanner"},
    {"guards.scanner.max_distinct_users", kReload, "GuardReloadE2e.Scanner"},
    {"guards.scanner.window_s", kReload, "GuardReloadE2e.Scanner"},
    {"guards.ratelimit.enabled", kReload, "GuardReloadE2e.RateLimit"},
    {"guards.ratelimit.per_source_rps", kReload, "GuardReloadE2e.RateLimit"},
    {"guards.ratelimit.per_impi_rps", kReload, "GuardReloadE2e.RateLimit"},
    {"guards.ratelimit.per_method_rps", kReload, "GuardReloadE2e.RateLimit"},
    {"guards.ratelimit.burst", kReload, "GuardReloadE2e.RateLimit"},
    {"guards.ratelimit.authenticated_rps", kReload, "GuardReloadE2e.RateLimit"},
    {"guards.ratelimit.authenticated_burst", kReload, "GuardReloadE2e.RateLimit"},
    {"guards.bruteforce.enabled", kReload, "GuardReloadE2e.BruteForce"},
    {"guards.bruteforce.max_failures", kReload, "GuardReloadE2e.BruteForce"},
    {"guards.bruteforce.window_s", kReload, "GuardReloadE2e.BruteForce"},
    {"guards.bruteforce.lockout_s", kReload, "GuardReloadE2e.BruteForce"},
    {"guards.bruteforce.backoff_factor", kReload, "GuardReloadE2e.BruteForce"},
    {"guards.bruteforce.max_lockout_s", kReload, "GuardReloadE2e.BruteForce"},
    {"guards.bruteforce.per_impi_distributed", kReload, "GuardReloadE2e.BruteForce"},
    {"guards.bruteforce.max_challenges_per_impi", kReload, "GuardReloadE2e.BruteForce"},
    {"guards.bruteforce.max_resyncs", kReload, "GuardReloadE2e.BruteForce"},
    {"guards.overload.enabled", kReload, "GuardReloadE2e.Overload"},
    {"guards.overload.max_inflight", kReload, "GuardReloadE2e.Overload"},
    {"guards.overload.max_rps", kReload, "GuardReloadE2e.Overload"},
    {"guards.overload.retry_after_s", kReload, "GuardReloadE2e.Overload"},

    {"core.auth_key_file", "edge/core_trust_e2e_test.cpp", "CoreTrustE2e.WithTheSharedKeyOnlyTheScscfsSignedRequestsAssert"},
    {"core.scscf", "edge/client_transactions_e2e_test.cpp",
     "ExternalCoreTransactionsE2e.ARegisterWhoseFirstCopyTheScscfDroppedIsRetransmitted"},

    {"servicebox.sip_listen.address", kKeys, "KeyEffectsE2e.ServicePlatformMediaAndAdminKeys"},
    {"servicebox.sip_listen.port", kKeys, "KeyEffectsE2e.ServicePlatformMediaAndAdminKeys"},
    {"servicebox.https_listen.address", kKeys, "KeyEffectsE2e.ServicePlatformMediaAndAdminKeys"},
    {"servicebox.https_listen.port", kKeys, "KeyEffectsE2e.ServicePlatformMediaAndAdminKeys"},
    {"servicebox.require_mtls", kKeys, "KeyEffectsE2e.ServicePlatformMediaAndAdminKeys"},
    {"servicebox.require_signed_assertion", kKeys, "KeyEffectsE2e.ServicePlatformMediaAndAdminKeys"},
    {"servicebox.token_lifetime_s", kKeys, "KeyEffectsE2e.ServicePlatformMediaAndAdminKeys"},
    {"servicebox.services", kKeys, "KeyEffectsE2e.ServicePlatformMediaAndAdminKeys"},
    {"servicebox.services[].name", kKeys, "KeyEffectsE2e.ServicePlatformMediaAndAdminKeys"},
    {"servicebox.services[].method", kKeys, "KeyEffectsE2e.ServicePlatformMediaAndAdminKeys"},
    {"servicebox.services[].may_assert", "service/client_service_e2e_test.cpp",
     "ClientServices.ServiceAssertingAnIdentityItMayNotIsRefusedByTheCore"},
    {"servicebox.services[].allowed_headers", kKeys, "KeyEffectsE2e.ServicePlatformMediaAndAdminKeys"},

    {"media.srtp_policy", "media/media_e2e_test.cpp", "MediaCalls.MandatoryServiceRefusesAPlainOfferWith488AndAuditsIt"},
    {"media.sdes_requires_tls", kKeys, "KeyEffectsE2e.RegistrarIdentitySdesAndRelayKeys"},
    {"media.crypto_suites", kKeys, "KeyEffectsE2e.ServicePlatformMediaAndAdminKeys"},
    {"media.max_sessions_per_subscriber", "media/reflector_e2e_test.cpp", "Reflector.TheCapIsTheConfiguredOne"},
    {"media.max_sessions", "media/reflector_e2e_test.cpp", "Reflector.TheTotalCapRefusesWith503"},

    {"admin.listen.address", kKeys, "KeyEffectsE2e.ServicePlatformMediaAndAdminKeys"},
    {"admin.listen.port", kKeys, "KeyEffectsE2e.ServicePlatformMediaAndAdminKeys"},
    {"admin.token", kKeys, "KeyEffectsE2e.ServicePlatformMediaAndAdminKeys"},
    {"admin.token", kKeys, "KeyEffectsE2e.ListenersLimitsTlsConnectionsAndRoles"},
};

}  // namespace imsguard::testing
