// Keys that apply at start (reload: restart), each changed from its default and seen acting
// on a running `imsguard run`. One edge per group of keys, so the whole table costs a handful
// of processes; tests/config/key_effects.h says which test shows which key (and the keys the
// reload tests and the tests of other areas show), and a unit test fails when a key of the
// schema has no entry there.
#include "client/credentials.h"
#include "crypto/hex.h"
#include "effects.h"
#include "sip/parser.h"

#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <regex>

using namespace imsguard::testkit;
using namespace imsguard::testkit::effects;
using namespace std::chrono_literals;

namespace {

std::string options_to(const std::string& local, uint16_t local_port, const std::string& call_id,
                       const std::string& transport = "UDP", const std::string& extra_headers = "",
                       const std::string& body = "") {
  return "OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/" + transport + " " + local + ":" + std::to_string(local_port) +
         ";branch=z9hG4bK" + call_id + "\r\nFrom: <sip:probe@ims.local>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: " +
         call_id + "\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n" + extra_headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// The status the edge answers `request` with over UDP from 127.0.0.1 (0: none).
int udp_status(uint16_t port, const std::function<std::string(uint16_t)>& request, const std::string& to = "127.0.0.1") {
  UdpPeer peer;
  peer.send(request(peer.local_port()), port, to);
  auto answer = next_response(peer, 2s);
  return answer ? status_of(*answer) : 0;
}

// The algorithms a 401 offers, in order ("SHA-256,MD5").
std::string algorithms_of(const std::string& challenge) {
  std::string out;
  for (const auto& h : headers_named(challenge, "WWW-Authenticate")) {
    size_t at = h.find("algorithm=");
    if (at == std::string::npos) continue;
    size_t end = h.find_first_of(",\r", at);
    out += (out.empty() ? "" : ",") + h.substr(at + 10, end == std::string::npos ? std::string::npos : end - at - 10);
  }
  return out;
}

// A parameter of the first challenge ("realm" -> lab.example), unquoted.
std::string challenge_param(const std::string& challenge, const std::string& name) {
  std::string h = header_of(challenge, "WWW-Authenticate");
  size_t at = h.find(name + "=");
  if (at == std::string::npos) return "";
  at += name.size() + 1;
  if (h[at] == '"') return h.substr(at + 1, h.find('"', at + 1) - at - 1);
  return h.substr(at, h.find_first_of(", ", at) - at);
}

// The first REGISTER answer to `impu` from `peer` (no credentials; `extra` headers).
std::string challenge_for(UdpPeer& peer, uint16_t port, const std::string& impu, const std::string& extra = "") {
  peer.send(register_of(peer, impu, 1, "Expires: 600\r\n" + extra), port);
  auto r = next_response(peer, 3s);
  return r ? *r : "";
}

// The secret generation a stateless nonce was made under (its first byte, base64url).
int nonce_generation(const std::string& nonce) {
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  if (nonce.size() < 2) return -1;
  size_t a = kAlphabet.find(nonce[0]), b = kAlphabet.find(nonce[1]);
  if (a == std::string::npos || b == std::string::npos) return -1;
  return static_cast<int>((a << 2) | (b >> 4));
}

// A counter's value in the summary `imsguard run` prints when it stops (0 when absent).
long stopped_counter(const std::string& log, const std::string& name) {
  size_t at = log.find("\n" + name + " ");
  return at == std::string::npos ? 0 : std::stol(log.substr(at + name.size() + 2));
}

// A USIM answerer for the demo AKA subscriber.
imsguard::client::ChallengeAnswerer usim_of(const std::string& impi, const std::string& realm, const std::string& k_hex,
                                            const std::string& opc_hex) {
  imsguard::client::UsimProfile usim;
  auto k = imsguard::crypto::from_hex(k_hex);
  auto opc = imsguard::crypto::from_hex(opc_hex);
  if (k && opc && k->size() == 16 && opc->size() == 16) {
    std::copy(k->begin(), k->end(), usim.k.begin());
    std::copy(opc->begin(), opc->end(), usim.opc.begin());
  }
  return imsguard::client::ChallengeAnswerer({impi, realm, std::nullopt, usim});
}

// Registers an AKA subscriber over `peer` (initial REGISTER naming the IMPI, AKA answer).
std::string aka_register(UdpPeer& peer, uint16_t port, const std::string& impu,
                         imsguard::client::ChallengeAnswerer& usim) {
  peer.send(register_of(peer, impu, 1, "Expires: 600\r\nAuthorization: " + usim.initial_authorization("sip:ims.local") + "\r\n"),
            port);
  auto challenge = next_response(peer, 3s);
  if (!challenge || status_of(*challenge) != 401) return challenge ? *challenge : "";
  imsguard::sip::Message msg;
  if (imsguard::sip::parse_datagram(*challenge, {}, msg).status != imsguard::sip::ParseStatus::kOk) return "";
  auto a = usim.answer(msg, "REGISTER", "sip:ims.local", "");
  if (a.status != imsguard::client::AnswerStatus::kOk) return "answer: " + a.error;
  peer.send(register_of(peer, impu, 2, "Expires: 600\r\n" + a.header_name + ": " + a.header_value + "\r\n"), port);
  auto final = next_response(peer, 3s);
  return final ? *final : "";
}

}  // namespace

// sip.listen (transport, address, port of each listener), sip.limits.*, sip.max_transactions,
// tls.min_version, connections.max_per_source and idle_timeout_s, roles (no service box),
// admin.token (empty: nothing listens).
TEST(KeyEffectsE2e, ListenersLimitsTlsConnectionsAndRoles) {
  std::string dir = make_temp_dir("imsguard-keys-sip");
  uint16_t udp = 0, tcp = 0, tls = 0, box = 0, admin = 0;
  auto yaml = [&] {
    udp = free_port(), tcp = free_port(), tls = free_port(), box = free_port(), admin = free_port();
    return Edge::head(dir, "[edge, core]") +
           "sip:\n  workers: 2\n  max_transactions: 1024\n  listen:\n"
           "    - { transport: udp, address: 127.0.0.1, port: " + std::to_string(udp) + " }\n"
           "    - { transport: tcp, address: 127.0.0.3, port: " + std::to_string(tcp) + " }\n"
           "    - { transport: tls, address: 127.0.0.1, port: " + std::to_string(tls) + " }\n"
           "  limits: { max_message_bytes: 600, max_headers: 12, max_header_bytes: 200, max_via: 2 }\n"
           "tls: { min_version: \"1.3\" }\n"
           "connections: { max_per_source: 2, idle_timeout_s: 2 }\n"
           "servicebox: { sip_listen: { address: 127.0.0.1, port: " + std::to_string(box) + " } }\n"
           "admin: { listen: { address: 127.0.0.1, port: " + std::to_string(admin) + " } }\n";
  };
  Edge edge;
  ASSERT_TRUE(edge.start(dir, yaml, udp)) << edge.log();

  // Listeners: UDP where configured; TCP only on 127.0.0.3 (not .1, not as UDP there).
  EXPECT_EQ(udp_status(udp, [](uint16_t p) { return options_to("127.0.0.1", p, "l-udp"); }), 200);
  EXPECT_FALSE(tcp_accepts("127.0.0.1", tcp)) << "the TCP listener is on 127.0.0.3 only";
  EXPECT_EQ(udp_status(tcp, [](uint16_t p) { return options_to("127.0.0.1", p, "l-udp3"); }, "127.0.0.3"), 0)
      << "no UDP listener on 127.0.0.3";
  TcpPeer first;
  ASSERT_TRUE(first.connect(tcp, "127.0.0.3"));
  ASSERT_TRUE(first.send(options_to("127.0.0.1", first.local_port(), "l-tcp", "TCP")));
  auto answer = first.receive_message(3s);
  ASSERT_TRUE(answer);
  EXPECT_EQ(status_of(*answer), 200);

  // connections.max_per_source 2: a third connection from the same address is closed.
  TcpPeer second, third;
  ASSERT_TRUE(second.connect(tcp, "127.0.0.3"));
  ASSERT_TRUE(third.connect(tcp, "127.0.0.3"));
  EXPECT_TRUE(third.closed_by_peer(3s)) << "the third connection of one source was kept";
  // connections.idle_timeout_s 2: the first, idle after its answer, is closed within seconds.
  EXPECT_TRUE(first.closed_by_peer(6s)) << "an idle connection outlived idle_timeout_s";

  // sip.limits: each limit, just over, gets its refusal; within all of them the same request is answered.
  EXPECT_EQ(udp_status(udp, [](uint16_t p) { return options_to("127.0.0.1", p, "lim-ok"); }), 200);
  EXPECT_EQ(udp_status(udp, [](uint16_t p) { return options_to("127.0.0.1", p, "lim-size", "UDP", "", std::string(400, 'x')); }),
            513);
  EXPECT_EQ(udp_status(udp,
                       [](uint16_t p) {
                         std::string many;
                         for (int i = 0; i < 6; ++i) many += "X-Pad-" + std::to_string(i) + ": x\r\n";
                         return options_to("127.0.0.1", p, "lim-count", "UDP", many);
                       }),
            400);
  EXPECT_EQ(udp_status(udp, [](uint16_t p) { return options_to("127.0.0.1", p, "lim-line", "UDP", "X-Long: " + std::string(220, 'y') + "\r\n"); }),
            400);
  EXPECT_EQ(udp_status(udp,
                       [](uint16_t p) {
                         return options_to("127.0.0.1", p, "lim-via", "UDP",
                                           "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa\r\nVia: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKb\r\n");
                       }),
            400);

  // tls.min_version 1.3: a client that stops at TLS 1.2 gets no handshake; one with 1.3 does.
  EXPECT_TRUE(served_chain(tls, TLS1_2_VERSION).empty());
  EXPECT_FALSE(served_chain(tls).empty());

  // roles without servicebox: its listener is not opened; admin.token empty: nor is the admin one.
  EXPECT_FALSE(tcp_accepts("127.0.0.1", box));
  EXPECT_FALSE(tcp_accepts("127.0.0.1", admin));

  // sip.max_transactions 1024: 1120 distinct requests (28 sources under every guard's limit)
  // overflow the table, the oldest are evicted.
  for (int s = 0; s < 28; ++s) burst("127.0.10." + std::to_string(s + 1), udp, 40, "tx" + std::to_string(s));
  EXPECT_EQ(edge.stop(), 0) << edge.log();
  EXPECT_GE(stopped_counter(edge.log(), "imsguard_edge_transactions_total{event=\"evicted_full\"}"), 1) << edge.log();
  std::filesystem::remove_all(dir);
}

// sip.workers (threads of the process, against a second edge with another count), state
// (memory: no database file; sqlite: the store the binding is looked for in), data_dir,
// sip.domain (the demo subscribers' names), auth.digest false (a Digest subscriber is not
// challenged), registrar.binding_flush_ms (a binding answered 200 is not in the store yet
// when the process dies at once).
TEST(KeyEffectsE2e, WorkersDomainDigestOffAndBindingFlush) {
  std::string many_dir = make_temp_dir("imsguard-keys-workers");
  Edge many;
  ASSERT_TRUE(many.start_udp(many_dir, "  workers: 12\n", "state: memory\n")) << many.log();
  int threads_many = thread_count(many.pid());
  // state: memory keeps nothing on disk (the demo subscribers and bindings live in memory).
  EXPECT_FALSE(std::filesystem::exists(many.data_dir() + "/imsguard.db"));
  EXPECT_EQ(many.stop(), 0);

  std::string dir = make_temp_dir("imsguard-keys-domain");
  Edge edge;
  ASSERT_TRUE(edge.start_udp(dir, "  domain: example.test\n  workers: 1\n",
                             "auth: { digest: false }\nregistrar: { binding_flush_ms: 1000 }\n"))
      << edge.log();
  const uint16_t udp = edge.udp_port();
  // Eleven more worker threads; the two edges' other threads differ by a few (the binding
  // writer, the store), far fewer than that.
  EXPECT_GE(threads_many - thread_count(edge.pid()), 8) << "sip.workers 12 against 1";

  EXPECT_EQ(edge.demo("digest", "impi"), "alice@example.test");
  EXPECT_EQ(edge.demo("aka", "impi"), "bob@example.test");
  UdpPeer alice;
  std::string refused = challenge_for(alice, udp, "sip:alice@example.test");
  // A Digest subscriber gets the challenge every unusable identity gets (AKA), never Digest's.
  EXPECT_EQ(algorithms_of(refused), "AKAv1-MD5") << "auth.digest false: " << refused;

  UdpPeer bob;
  auto usim = usim_of("bob@example.test", "ims.local", edge.demo("aka", "k"), edge.demo("aka", "opc"));
  std::string ok = aka_register(bob, udp, "sip:bob@example.test", usim);
  ASSERT_EQ(status_of(ok), 200) << ok << edge.log();
  edge.kill_hard();  // at once: the write-behind had up to 1000 ms
  ChildProcess q;
  ASSERT_TRUE(q.start({"/usr/bin/sqlite3", edge.data_dir() + "/imsguard.db", "SELECT count(*) FROM bindings"}, dir + "/q.log"));
  ASSERT_EQ(q.wait(30s), 0) << read_file(dir + "/q.log");
  EXPECT_EQ(read_file(dir + "/q.log"), "0\n") << "the binding reached the store before the 200 OK";
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(many_dir);
}

// auth.realm, digest_algorithms, md5_only_user_agents, qop, aka (false), nonce_lifetime_s and
// nonce_secret_rotation_s, seen in the challenges the edge sends, in how it judges an old
// nonce and in the secret generation its nonces carry.
TEST(KeyEffectsE2e, AuthenticationKeys) {
  std::string dir = make_temp_dir("imsguard-keys-auth");
  Edge edge;
  ASSERT_TRUE(edge.start_udp(dir, "",
                             "auth:\n  realm: lab.example\n  digest_algorithms: [SHA-512-256, MD5]\n"
                             "  md5_only_user_agents: [zoiper]\n  qop: auth-int\n  nonce_lifetime_s: 5\n"
                             "  nonce_secret_rotation_s: 10\n  aka: false\n"))
      << edge.log();
  const uint16_t udp = edge.udp_port();
  UdpPeer alice;
  std::string first = challenge_for(alice, udp, "sip:alice@ims.local");
  ASSERT_EQ(status_of(first), 401) << first;
  EXPECT_EQ(challenge_param(first, "realm"), "lab.example");
  EXPECT_EQ(challenge_param(first, "qop"), "auth-int");
  EXPECT_EQ(algorithms_of(first), "SHA-512-256,MD5");
  UdpPeer zoiper, sipp;
  EXPECT_EQ(algorithms_of(challenge_for(zoiper, udp, "sip:alice@ims.local", "User-Agent: Zoiper rv2.10\r\n")), "MD5");
  EXPECT_EQ(algorithms_of(challenge_for(sipp, udp, "sip:alice@ims.local", "User-Agent: sipp/3.6\r\n")), "SHA-512-256,MD5")
      << "sipp is not in this list";
  UdpPeer bob;
  std::string bob_challenge = challenge_for(bob, udp, "sip:bob@ims.local");
  EXPECT_EQ(algorithms_of(bob_challenge).find("AKAv1-MD5"), std::string::npos) << "auth.aka false: " << bob_challenge;

  // The answer is right (realm, algorithm, auth-int): fresh, it registers.
  UdpPeer fresh;
  EXPECT_EQ(status_of(digest_register(fresh, udp, "sip:alice@ims.local", edge.demo("digest", "password"))), 200);

  // nonce_lifetime_s 5: the right answer to a 6 s old nonce is told stale.
  std::string password = edge.demo("digest", "password");
  int generation = nonce_generation(challenge_param(first, "nonce"));
  std::this_thread::sleep_for(6s);
  alice.send(register_of(alice, "sip:alice@ims.local", 2, "Expires: 600\r\n" + digest_answer(first, "alice@ims.local", password)),
             udp);
  auto stale = next_response(alice, 3s);
  ASSERT_TRUE(stale);
  EXPECT_EQ(status_of(*stale), 401);
  EXPECT_EQ(challenge_param(*stale, "stale"), "true") << *stale;
  // nonce_secret_rotation_s 10: a challenge made 11 s after the first is of the next secret
  // (the default, an hour, would still use the first one).
  std::this_thread::sleep_for(5s);
  UdpPeer later;
  std::string rotated = challenge_for(later, udp, "sip:alice@ims.local");
  EXPECT_EQ(nonce_generation(challenge_param(rotated, "nonce")), (generation + 1) & 0xff) << rotated;
  EXPECT_EQ(edge.stop(), 0) << edge.log();
  std::filesystem::remove_all(dir);
}

// registrar.min/max/default_expires_s and subscriber_cache_ms, identity.assert_authenticated
// (false), media.sdes_requires_tls (false), sip.timers.t2_ms and sip.max_client_transactions,
// between two subscribers registered over UDP.
TEST(KeyEffectsE2e, RegistrarIdentitySdesAndRelayKeys) {
  ImsguardProcess proc;
  ImsguardOptions o;
  o.tls = false;
  o.sip_yaml = "  timers: { t1_ms: 100, t2_ms: 200 }\n  max_client_transactions: 16\n";
  o.extra_yaml = "registrar: { min_expires_s: 100, max_expires_s: 1000, default_expires_s: 500, subscriber_cache_ms: 60000 }\n"
                 "identity: { assert_authenticated: false }\nmedia: { sdes_requires_tls: false }\n";
  // Raw UDP phones that do not answer the edge's 407 (UdpRequestChallengeE2e shows that key).
  o.auth_yaml = "  challenge_udp_requests: false\n";
  ASSERT_TRUE(proc.start(o)) << proc.log();
  const uint16_t port = proc.sip_port();
  auto add = cli(proc.data_dir(), {"subscriber", "add", "--data-dir", proc.data_dir(), "--impi", "carol@ims.local", "--impu",
                                   "sip:carol@ims.local", "--password", "carol-secret"});
  ASSERT_EQ(add.status, 0) << add.output;
  const std::string password = proc.demo("digest", "password");

  UdpPeer alice, carol;
  std::string brief = digest_register(alice, port, "sip:alice@ims.local", password, "Expires: 90\r\n");
  EXPECT_EQ(status_of(brief), 423) << brief;
  EXPECT_EQ(header_of(brief, "Min-Expires"), "100") << brief;
  std::string longer = digest_register(alice, port, "sip:alice@ims.local", password, "Expires: 5000\r\n");
  ASSERT_EQ(status_of(longer), 200) << longer;
  EXPECT_NE(header_of(longer, "Contact").find("expires=1000"), std::string::npos) << longer;
  std::string none = digest_register(alice, port, "sip:alice@ims.local", password, "");
  ASSERT_EQ(status_of(none), 200) << none;
  EXPECT_NE(header_of(none, "Contact").find("expires=500"), std::string::npos) << none;
  ASSERT_EQ(status_of(digest_register(carol, port, "sip:carol@ims.local", "carol-secret")), 200);

  // alice -> carol with SDES keys over UDP: delivered without an asserted identity, keys kept.
  const std::string sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                          "m=audio 40000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n";
  auto message = [&](const std::string& call_id, const std::string& body) {
    return "MESSAGE sip:carol@ims.local SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + std::to_string(alice.local_port()) +
           ";branch=z9hG4bK" + call_id + "\r\nMax-Forwards: 70\r\nFrom: <sip:alice@ims.local>;tag=a1\r\n"
           "To: <sip:carol@ims.local>\r\nCall-ID: " + call_id + "\r\nCSeq: 1 MESSAGE\r\nContent-Type: application/sdp\r\n"
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  alice.send(message("fx-sdp", sdp), port);
  auto delivered = carol.receive(3s);
  ASSERT_TRUE(delivered) << proc.log();
  EXPECT_EQ(delivered->rfind("MESSAGE ", 0), 0u) << *delivered;
  EXPECT_TRUE(headers_named(*delivered, "P-Asserted-Identity").empty()) << *delivered;
  EXPECT_NE(delivered->find("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"), std::string::npos) << *delivered;

  // t2_ms 200: a silent callee gets the request again every 200 ms once the interval reached
  // it (100, 200, 200, ...): at least nine copies in 2.5 s, where T2 4000 would give five.
  alice.send(message("fx-t2", "hello"), port);
  int copies = 0;
  auto until = std::chrono::steady_clock::now() + 2500ms;
  while (std::chrono::steady_clock::now() < until)
    if (auto m = carol.receive(std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now()) + 1ms);
        m && m->find("Call-ID: fx-t2") != std::string::npos)
      ++copies;
  EXPECT_GE(copies, 9);

  // max_client_transactions 16: twenty requests at a silent callee, the edge tracks sixteen.
  for (int i = 0; i < 20; ++i) alice.send(message("fx-many-" + std::to_string(i), "x"), port);
  std::this_thread::sleep_for(1s);

  // subscriber_cache_ms 60000: a bar written by another process is not seen for a minute.
  auto bar = cli(proc.data_dir(), {"subscriber", "bar", "--data-dir", proc.data_dir(), "alice@ims.local"});
  ASSERT_EQ(bar.status, 0) << bar.output;
  std::this_thread::sleep_for(2500ms);
  UdpPeer again;
  EXPECT_EQ(status_of(digest_register(again, port, "sip:alice@ims.local", password)), 200)
      << "the cached record (not barred) still decides";
  EXPECT_EQ(proc.stop(), 0) << proc.log();
  EXPECT_GE(stopped_counter(proc.log(), "imsguard_sip_client_transactions_total{event=\"untracked_table_full\"}"), 1)
      << proc.log();
  std::filesystem::remove_all(proc.data_dir());
}

// The service platform: roles (the box runs), servicebox.sip_listen and https_listen
// (address and port), require_mtls and require_signed_assertion (both false: a bare TLS
// client is served), token_lifetime_s, services (name, method, allowed_headers),
// media.crypto_suites, and the admin listener (address, port 0, token).
TEST(KeyEffectsE2e, ServicePlatformMediaAndAdminKeys) {
  std::string dir = make_temp_dir("imsguard-keys-services");
  const std::string token = "services-admin-token-0123456789";
  uint16_t udp = 0, tls = 0, box = 0, https = 0;
  auto yaml = [&] {
    udp = free_port(), tls = free_port(), box = free_port(), https = free_port();
    return Edge::head(dir, "[edge, core, servicebox]") +
           "sip:\n  listen:\n    - { transport: udp, address: 127.0.0.1, port: " + std::to_string(udp) + " }\n"
           "    - { transport: tls, address: 127.0.0.1, port: " + std::to_string(tls) + " }\n"
           "servicebox:\n  sip_listen: { address: 127.0.0.5, port: " + std::to_string(box) + " }\n"
           "  https_listen: { address: 127.0.0.6, port: " + std::to_string(https) + " }\n"
           "  require_mtls: false\n  require_signed_assertion: false\n  token_lifetime_s: 10\n  services:\n"
           "    - { name: media, method: INVITE }\n"
           "    - { name: media2, method: INVITE, allowed_headers: [Content-Type] }\n"
           "    - { name: messaging, method: MESSAGE }\n"
           "    - { name: notes, method: OPTIONS }\n"
           "    - { name: content, method: GET }\n"
           "media: { crypto_suites: [AES_CM_128_HMAC_SHA1_80] }\n"
           "admin: { listen: { address: 127.0.0.7, port: 0 }, token: " + token + " }\n";
  };
  Edge edge;
  ASSERT_TRUE(edge.start(dir, yaml, udp)) << edge.log();
  const std::string data = edge.data_dir();
  const std::vector<std::string> server = {"--server", "127.0.0.1:" + std::to_string(tls), "--transport", "tls",
                                           "--data-dir", data};
  const std::vector<std::string> alice = {"--impi", "alice@ims.local", "--impu", "sip:alice@ims.local", "--password",
                                          edge.demo("digest", "password")};
  auto client = [&](std::vector<std::string> args, bool with_identity = true) {
    if (with_identity) {
      args.insert(args.end(), server.begin(), server.end());
      args.insert(args.end(), alice.begin(), alice.end());
    }
    args.insert(args.begin(), "client");
    return cli(dir, args);
  };

  // roles with servicebox: the box listens, on its own address and port; a TLS client without
  // a certificate and a request without a signed assertion are served (require_mtls,
  // require_signed_assertion false).
  EXPECT_FALSE(tcp_accepts("127.0.0.1", box));
  std::string bare = tls_request("127.0.0.5", box,
                                 "MESSAGE sip:messaging@services.ims.local SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bKbare\r\n"
                                 "Max-Forwards: 70\r\nFrom: <sip:nobody@ims.local>;tag=b\r\nTo: <sip:messaging@services.ims.local>\r\n"
                                 "Call-ID: bare-1\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(status_of(bare), 200) << "with the defaults: no handshake without a certificate, 428 without Identity\n" << bare;

  // services: alice gets the services this file names; `notes` answers OPTIONS only.
  auto set = cli(dir, {"subscriber", "set", "--data-dir", data, "alice@ims.local", "--service", "messaging", "--service",
                       "media", "--service", "media2", "--service", "content", "--service", "notes", "--config",
                       dir + "/imsguard.yaml"});
  ASSERT_EQ(set.status, 0) << set.output;
  std::this_thread::sleep_for(1500ms);  // registrar.subscriber_cache_ms (1000) sees the write
  auto notes_message = client({"invoke", "--service", "notes"});
  EXPECT_NE(notes_message.output.find("MESSAGE sip:notes@services.ims.local: 405"), std::string::npos) << notes_message.output;
  auto notes_options = client({"invoke", "--service", "notes", "--method", "OPTIONS"});
  EXPECT_EQ(notes_options.status, 0) << notes_options.output;
  EXPECT_NE(notes_options.output.find("OPTIONS sip:notes@services.ims.local: 200"), std::string::npos) << notes_options.output;

  // media.crypto_suites: an SDES offer of GCM alone is refused, one of SHA1_80 gets media.
  auto gcm = cli(dir, {"client", "call", "--server", "127.0.0.1:" + std::to_string(tls), "--transport", "tls", "--data-dir",
                       data, "--impi", "alice@ims.local", "--impu", "sip:alice@ims.local", "--password",
                       edge.demo("digest", "password"), "--srtp", "mandatory", "--keying", "sdes", "--suite",
                       "AEAD_AES_128_GCM", "--packets", "20"});
  EXPECT_NE(gcm.status, 0) << gcm.output;
  EXPECT_NE(gcm.output.find("488"), std::string::npos) << gcm.output;
  auto sha1 = cli(dir, {"client", "call", "--server", "127.0.0.1:" + std::to_string(tls), "--transport", "tls", "--data-dir",
                        data, "--impi", "alice@ims.local", "--impu", "sip:alice@ims.local", "--password",
                        edge.demo("digest", "password"), "--srtp", "mandatory", "--keying", "sdes", "--suite",
                        "AES_CM_128_HMAC_SHA1_80", "--packets", "20"});
  EXPECT_EQ(sha1.status, 0) << sha1.output;
  EXPECT_NE(sha1.output.find("media srtp-sdes"), std::string::npos) << sha1.output;
  // allowed_headers [Content-Type] on media2: the core strips the Contact of its answer.
  size_t mark = edge.events().size();
  cli(dir, {"client", "call", "--server", "127.0.0.1:" + std::to_string(tls), "--transport", "tls", "--data-dir", data,
            "--impi", "alice@ims.local", "--impu", "sip:alice@ims.local", "--password", edge.demo("digest", "password"),
            "--to", "sip:media2@services.ims.local", "--packets", "5", "--timeout", "5"});
  EXPECT_TRUE(eventually(
      [&] { return edge.events().substr(mark).find("service set headers it may not: Contact") != std::string::npos; }, 5s))
      << edge.events().substr(mark);

  // https_listen on 127.0.0.6, and token_lifetime_s 10: the token expires 10 s after issue.
  EXPECT_FALSE(tcp_accepts("127.0.0.1", https));
  ChildProcess holder;
  std::vector<std::string> hold = {IMSGUARD_BIN, "client", "invoke", "--service", "content", "--keep", "40"};
  hold.insert(hold.end(), server.begin(), server.end());
  hold.insert(hold.end(), alice.begin(), alice.end());
  ASSERT_TRUE(holder.start(hold, dir + "/holder.log"));
  std::smatch m;
  static const std::regex kToken("Content-Token: ([A-Za-z0-9_.-]+) service=content expires=([0-9]+)");
  std::string held;
  ASSERT_TRUE(eventually([&] { held = holder.log(); return std::regex_search(held, m, kToken); }, 20s)) << held << edge.log();
  const std::string content_token = m[1];
  const long long expires = std::stoll(m[2]);
  EXPECT_LE(expires - static_cast<long long>(std::time(nullptr)), 10);
  const std::string url = "https://127.0.0.6:" + std::to_string(https) + "/content/content";
  auto fresh = cli(dir, {"client", "fetch", "--url", url, "--token", content_token, "--data-dir", data});
  EXPECT_EQ(fresh.status, 0) << fresh.output;
  while (static_cast<long long>(std::time(nullptr)) <= expires + 1) std::this_thread::sleep_for(200ms);
  auto expired = cli(dir, {"client", "fetch", "--url", url, "--token", content_token, "--data-dir", data});
  EXPECT_EQ(expired.status, 1) << expired.output;
  EXPECT_NE(expired.output.find(": 401"), std::string::npos) << expired.output;
  holder.stop();

  // admin.listen on 127.0.0.7, port 0 (a free one, named in the banner), behind admin.token.
  static const std::regex kAdmin("admin API and metrics: http://127\\.0\\.0\\.7:([0-9]+)");
  std::string log = edge.log();
  ASSERT_TRUE(std::regex_search(log, m, kAdmin)) << log;
  uint16_t admin = static_cast<uint16_t>(std::stoi(m[1]));
  EXPECT_NE(admin, 0);
  EXPECT_EQ(admin_get(admin, "/metrics", token, "127.0.0.7").first, 200);
  EXPECT_EQ(admin_get(admin, "/metrics", token + "x", "127.0.0.7").first, 401);
  EXPECT_FALSE(tcp_accepts("127.0.0.1", admin));
  EXPECT_EQ(edge.stop(), 0) << edge.log();
  std::filesystem::remove_all(dir);
}
