// Two `imsguard run` edges on different loopback ports sharing one redis-server (started by
// the test, stopped by PID): a client registered through A is reached through B; a brute
// force split across A and B is locked out on both; a ban made on A holds on B; and Redis
// stopped and restarted during traffic: registered users keep being served, registrations
// made meanwhile reach Redis afterwards, AKA challenges are refused (503) rather than built
// on an SQN that could not be reserved, SQNs never go back, nobody crashes.
#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <sstream>
#include <thread>

#include "crypto/aka.h"
#include "crypto/digest.h"
#include "crypto/digest_aka.h"
#include "crypto/digest_header.h"
#include "crypto/hex.h"
#include "crypto/milenage.h"
#include "process.h"
#include "redis_server.h"
#include "sip_socket.h"
#include "spoofed_udp.h"

using namespace imsguard::testkit;
using namespace std::chrono_literals;
using imsguard::store::testing::RedisServer;

namespace {

const char* kK = "465b5ce8b199b49faa5f0a2ee238a6bc";
const char* kOpc = "cd63cb71954a9f4e48a5994e37a02baf";

struct CmdRun {
  int status = -1;
  std::string output;
};

CmdRun run(const std::string& dir, const std::vector<std::string>& args, std::chrono::seconds limit = 60s) {
  static std::atomic<int> n{0};
  std::string log = dir + "/run-" + std::to_string(++n) + ".log";
  std::vector<std::string> argv = {IMSGUARD_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess p;
  CmdRun r;
  if (!p.start(argv, log)) return r;
  r.status = p.wait(limit);
  if (r.status == -2) r.status = p.stop();
  r.output = read_file(log);
  return r;
}

// One edge: its own data directory (same subscribers as the other), its own ports.
class Edge {
 public:
  // Data directory, subscribers and port: before start, so each edge can name the other.
  void prepare() {
    if (!dir_.empty()) return;
    dir_ = make_temp_dir("imsguard-edge");
    port_ = free_port();
    provision();
  }
  uint16_t port() const { return port_; }
  void set_peer(uint16_t peer_port, const std::string& peer_key_file) {
    peer_port_ = peer_port;
    peer_key_file_ = peer_key_file;
  }

  bool start(const std::string& state, const std::string& extra_yaml = "") {
    prepare();
    std::ostringstream y;
    y << "roles: [edge, core]\n"
      << "data_dir: " << dir_ << "\n"
      << "state: \"" << state << "\"\n"
      << "events: { output: " << dir_ << "/events.jsonl }\n"
      << "sip:\n  domain: ims.local\n  workers: 2\n  listen:\n"
      << "    - { transport: udp, address: 127.0.0.1, port: " << port_ << " }\n"
      << "    - { transport: tcp, address: 127.0.0.1, port: " << port_ << " }\n";
    if (peer_port_) y << "  peers: [\"127.0.0.1:" << peer_port_ << "\"]\n  peer_key_file: " << peer_key_file_ << "\n";
    y
      << "auth:\n  realm: ims.local\n  digest_algorithms: [SHA-256, MD5]\n"
      << extra_yaml;
    write_file(dir_ + "/imsguard.yaml", y.str());
    if (!process_.start({IMSGUARD_BIN, "run", "--config", dir_ + "/imsguard.yaml"}, dir_ + "/imsguard.log"))
      return false;
    return eventually([&] { return !process_.running() || answers_from("127.0.0.1"); }, 20s) && process_.running();
  }
  int stop() { return process_.stop(); }
  bool running() const { return process_.running(); }

  // True if the edge answers an OPTIONS sent from `from` (any 127/8 address).
  bool answers_from(const std::string& from) const {
    UdpPeer peer(from);
    peer.send("OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP " + from + ":" + std::to_string(peer.local_port()) +
                  ";branch=z9hG4bKprobe" + std::to_string(peer.local_port()) +
                  "\r\nFrom: <sip:probe@ims.local>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: probe-" +
                  std::to_string(peer.local_port()) + "\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
              port_);
    return peer.receive(1000ms).has_value();
  }

  std::vector<std::string> digest(const std::string& command, const std::string& user, const std::string& password) const {
    return {"client", command, "--server", "127.0.0.1:" + std::to_string(port_), "--transport", "udp", "--impi",
            user + "@ims.local", "--impu", "sip:" + user + "@ims.local", "--realm", "ims.local", "--password", password};
  }
  std::vector<std::string> aka(const std::string& user) const {
    return {"client", "register", "--server", "127.0.0.1:" + std::to_string(port_), "--transport", "udp", "--impi",
            user + "@ims.local", "--impu", "sip:" + user + "@ims.local", "--realm", "ims.local", "--k", kK, "--opc", kOpc,
            "--usim-sqn", "0"};
  }
  std::vector<std::string> ban(const std::vector<std::string>& args) const {
    std::vector<std::string> a = {"ban"};
    a.insert(a.end(), args.begin(), args.end());
    a.insert(a.end(), {"--data-dir", dir_});
    return a;
  }

  const std::string& dir() const { return dir_; }
  std::string events() const { return read_file(dir_ + "/events.jsonl"); }
  std::string log() const { return process_.log(); }

 private:
  void provision() {
    for (const char* user : {"alice", "carol", "dave", "erin"}) {
      CmdRun r = run(dir_, {"subscriber", "add", "--data-dir", dir_, "--realm", "ims.local", "--impi",
                         std::string(user) + "@ims.local", "--impu", "sip:" + std::string(user) + "@ims.local",
                         "--password", std::string(user) + "-secret", "--service", "messaging"});
      EXPECT_EQ(r.status, 0) << r.output;
    }
    CmdRun r = run(dir_, {"subscriber", "add", "--data-dir", dir_, "--realm", "ims.local", "--impi", "bob@ims.local",
                       "--impu", "sip:bob@ims.local", "--k", kK, "--opc", kOpc, "--service", "messaging"});
    EXPECT_EQ(r.status, 0) << r.output;
  }

  ChildProcess process_;
  std::string dir_;
  uint16_t port_ = 0;
  uint16_t peer_port_ = 0;
  std::string peer_key_file_;
};

class MultiEdge : public ::testing::Test {
 protected:
  void start(const std::string& extra_yaml = "", bool persistent = false, const std::string& url_options = "") {
    redis_ = std::make_unique<RedisServer>(persistent);
    ASSERT_TRUE(redis_->start()) << read_file(redis_->log_path());
    a_.prepare();
    b_.prepare();
    // The key the edges share (sip.peer_key_file): what proves a request comes from a peer.
    std::string key_file = a_.dir() + "/peer.key";
    write_file(key_file, std::string("0123456789abcdef0123456789abcdef-peer-key"));
    a_.set_peer(b_.port(), key_file);
    b_.set_peer(a_.port(), key_file);
    ASSERT_TRUE(a_.start(redis_->url(url_options), extra_yaml)) << a_.log();
    ASSERT_TRUE(b_.start(redis_->url(url_options), extra_yaml)) << b_.log();
  }
  // Keeps `user` registered through `edge` (UDP) in the background.
  void keep_registered(ChildProcess& p, const Edge& edge, const std::string& user, const std::string& log) {
    auto args = edge.digest("register", user, user + "-secret");
    args.insert(args.end(), {"--keep", "120"});
    std::vector<std::string> argv = {IMSGUARD_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    ASSERT_TRUE(p.start(argv, log));
    ASSERT_TRUE(eventually([&] { return read_file(log).find("registered sip:" + user) != std::string::npos; }, 30s))
        << read_file(log);
  }
  std::string sqn(const std::string& impi) { return redis_->cli({"GET", "imsguard:sqn:" + impi}); }

  std::unique_ptr<RedisServer> redis_;
  Edge a_, b_;
};

TEST_F(MultiEdge, RegisteredThroughAIsReachedThroughB) {
  start();
  ChildProcess carol;
  std::string carol_log = a_.dir() + "/carol.log";
  keep_registered(carol, a_, "carol", carol_log);
  auto args = b_.digest("message", "alice", "alice-secret");
  args.insert(args.end(), {"--to", "sip:carol@ims.local", "--text", "hello through B"});
  CmdRun sent = run(b_.dir(), args);
  // B found carol's binding (made through A) in Redis, relayed the MESSAGE to A along the
  // binding's Path, and A delivered it over carol's own flow: her client only accepts
  // datagrams from A (a connected UDP socket, like a NAT pinhole). Her 200 came back A -> B.
  EXPECT_EQ(sent.status, 0) << sent.output;
  EXPECT_NE(sent.output.find("MESSAGE sip:carol@ims.local: 200"), std::string::npos) << sent.output;
  EXPECT_TRUE(eventually([&] { return read_file(carol_log).find("hello through B") != std::string::npos; }, 10s))
      << read_file(carol_log);
  EXPECT_NE(read_file(carol_log).find("MESSAGE from sip:alice@ims.local"), std::string::npos) << read_file(carol_log);

  // The other way round: alice registered through B, reached from A.
  ChildProcess alice;
  std::string alice_log = b_.dir() + "/alice.log";
  keep_registered(alice, b_, "alice", alice_log);
  auto back = a_.digest("message", "dave", "dave-secret");
  back.insert(back.end(), {"--to", "sip:alice@ims.local", "--text", "hello from A"});
  CmdRun answered = run(a_.dir(), back);
  EXPECT_NE(answered.output.find("MESSAGE sip:alice@ims.local: 200"), std::string::npos) << answered.output;
  EXPECT_TRUE(eventually([&] { return read_file(alice_log).find("hello from A") != std::string::npos; }, 10s))
      << read_file(alice_log);

  auto nobody = b_.digest("message", "alice", "alice-secret");
  nobody.insert(nobody.end(), {"--to", "sip:erin@ims.local", "--text", "nobody home"});
  CmdRun not_registered = run(b_.dir(), nobody);
  EXPECT_NE(not_registered.output.find("MESSAGE sip:erin@ims.local: 480"), std::string::npos) << not_registered.output;

  // Only a peer edge's request is delivered by flow token: carol's real Path, replayed by a
  // source that is not a peer, reaches nobody (403, as any request from an unregistered flow).
  std::string stored = redis_->cli({"HVALS", "imsguard:b:sip:carol@ims.local"});
  size_t at = stored.find("<sip:term@127.0.0.1:" + std::to_string(a_.port()) + ";lr;igf=");
  ASSERT_NE(at, std::string::npos) << stored;
  std::string path = stored.substr(at, stored.find('>', at) + 1 - at);
  UdpPeer stranger("127.0.0.1");
  std::string via = "127.0.0.1:" + std::to_string(stranger.local_port());
  stranger.send("MESSAGE sip:carol@ims.local SIP/2.0\r\nVia: SIP/2.0/UDP " + via +
                    ";branch=z9hG4bKreplay1\r\nRoute: " + path +
                    "\r\nFrom: <sip:mallory@ims.local>;tag=9\r\nTo: <sip:carol@ims.local>\r\nCall-ID: replay-1\r\n"
                    "CSeq: 1 MESSAGE\r\nMax-Forwards: 70\r\nContent-Type: text/plain\r\nContent-Length: 7\r\n\r\nreplay!",
                a_.port());
  auto refused = stranger.receive(3000ms);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->rfind("SIP/2.0 403", 0), 0u) << *refused;
  // A witness sent after the refusal takes the same way to carol (A, her flow): once it has
  // arrived, a delivery of the replay, which A handled first, would have arrived before it.
  auto witness = a_.digest("message", "dave", "dave-secret");
  witness.insert(witness.end(), {"--to", "sip:carol@ims.local", "--text", "after the replay"});
  CmdRun witnessed = run(a_.dir(), witness);
  EXPECT_NE(witnessed.output.find("MESSAGE sip:carol@ims.local: 200"), std::string::npos) << witnessed.output;
  ASSERT_TRUE(eventually([&] { return read_file(carol_log).find("after the replay") != std::string::npos; }, 10s))
      << read_file(carol_log);
  EXPECT_EQ(read_file(carol_log).find("replay!"), std::string::npos) << read_file(carol_log);

  EXPECT_EQ(carol.stop(30s), 0);
  EXPECT_EQ(alice.stop(30s), 0);
  EXPECT_EQ(a_.stop(), 0) << a_.log();
  EXPECT_EQ(b_.stop(), 0) << b_.log();
  EXPECT_NE(b_.log().find("imsguard_proxy_requests_total{outcome=\"to_peer_edge\"} 1"), std::string::npos) << b_.log();
  EXPECT_NE(a_.log().find("imsguard_proxy_requests_total{outcome=\"from_peer_edge\"} 1"), std::string::npos) << a_.log();
}

// F4: a datagram with a peer edge's source address proves nothing. An attacker who holds
// carol's Path (it crossed the link between the edges, and sits in the shared store) writes
// B's address and port into the IP and UDP headers through a raw socket and sends A a MESSAGE
// asserting the bank's identity: A refuses it as a peer's request (no valid Imsguard-Peer-Auth)
// and carol never sees it; a message really relayed by B still reaches her.
TEST_F(MultiEdge, ARequestSpoofedFromAPeersAddressIsNotTrusted) {
  start();
  ChildProcess carol;
  std::string carol_log = a_.dir() + "/carol.log";
  keep_registered(carol, a_, "carol", carol_log);
  std::string stored = redis_->cli({"HVALS", "imsguard:b:sip:carol@ims.local"});
  size_t at = stored.find("<sip:term@127.0.0.1:" + std::to_string(a_.port()) + ";lr;igf=");
  ASSERT_NE(at, std::string::npos) << stored;
  std::string path = stored.substr(at, stored.find('>', at) + 1 - at);
  std::string via = "127.0.0.1:" + std::to_string(b_.port());
  std::string forged = "MESSAGE sip:carol@ims.local SIP/2.0\r\nVia: SIP/2.0/UDP " + via +
                       ";branch=z9hG4bKspoof1\r\nRoute: " + path +
                       "\r\nFrom: <sip:bank@ims.local>;tag=9\r\nTo: <sip:carol@ims.local>\r\nCall-ID: spoof-1\r\n"
                       "CSeq: 1 MESSAGE\r\nMax-Forwards: 70\r\nP-Asserted-Identity: <sip:bank@ims.local>\r\n"
                       "Imsguard-Peer-Auth: ts=1;mac=00000000000000000000000000000000\r\n"
                       "Content-Type: text/plain\r\nContent-Length: 8\r\n\r\nspoofed!";
  ASSERT_TRUE(send_spoofed_udp(forged, "127.0.0.1", b_.port(), a_.port()));
  EXPECT_TRUE(eventually([&] { return a_.events().find("Imsguard-Peer-Auth bad_mac") != std::string::npos; }, 5s))
      << a_.events();
  // The same without the header (another transaction: another branch and Call-ID).
  std::string unsigned_copy = forged;
  unsigned_copy.erase(unsigned_copy.find("Imsguard-Peer-Auth"), std::string("Imsguard-Peer-Auth: ts=1;mac=").size() + 34);
  unsigned_copy.replace(unsigned_copy.find("spoof1"), 6, "spoof2");
  unsigned_copy.replace(unsigned_copy.find("spoof-1"), 7, "spoof-2");
  ASSERT_TRUE(send_spoofed_udp(unsigned_copy, "127.0.0.1", b_.port(), a_.port()));
  EXPECT_TRUE(eventually([&] { return a_.events().find("Imsguard-Peer-Auth missing") != std::string::npos; }, 5s))
      << a_.events();
  // What B really relays still arrives: the key, not the address, makes a peer.
  auto args = b_.digest("message", "alice", "alice-secret");
  args.insert(args.end(), {"--to", "sip:carol@ims.local", "--text", "really from B"});
  CmdRun sent = run(b_.dir(), args);
  EXPECT_NE(sent.output.find("MESSAGE sip:carol@ims.local: 200"), std::string::npos) << sent.output;
  EXPECT_TRUE(eventually([&] { return read_file(carol_log).find("really from B") != std::string::npos; }, 10s))
      << read_file(carol_log);
  EXPECT_EQ(read_file(carol_log).find("spoofed!"), std::string::npos) << read_file(carol_log);
  EXPECT_EQ(read_file(carol_log).find("bank@"), std::string::npos) << read_file(carol_log);
  EXPECT_EQ(carol.stop(30s), 0);
}

TEST_F(MultiEdge, BruteForceSplitAcrossEdgesIsLockedOutOnBoth) {
  // Each edge alone sees 2 failures: under its threshold of 4. Together they are 4.
  start("guards:\n  bruteforce:\n    max_failures: 100\n    per_impi_distributed: 4\n    lockout_s: 300\n");
  for (int i = 0; i < 4; ++i) {
    const Edge& edge = i % 2 == 0 ? a_ : b_;
    CmdRun r = run(edge.dir(), edge.digest("register", "erin", "guess-" + std::to_string(i)));
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("authentication failed"), std::string::npos) << r.output;
  }
  // The lockout is decided on the edge that saw the 4th failure and published to the other.
  std::this_thread::sleep_for(1s);
  for (const Edge* edge : {&a_, &b_}) {
    CmdRun r = run(edge->dir(), edge->digest("register", "erin", "erin-secret"));
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("403"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("registered sip:erin"), std::string::npos) << r.output;
  }
  // Another user is not affected.
  CmdRun ok = run(a_.dir(), a_.digest("register", "dave", "dave-secret"));
  EXPECT_EQ(ok.status, 0) << ok.output;
  EXPECT_NE((a_.events() + b_.events()).find("\"action\":\"lockout\""), std::string::npos);
}

TEST_F(MultiEdge, BanMadeOnAHoldsOnBWithinASecondAndLiftingItOnBLiftsItOnA) {
  start();
  ASSERT_TRUE(b_.answers_from("127.0.0.41"));
  CmdRun add = run(a_.dir(), a_.ban({"add", "127.0.0.41", "--ttl", "600", "--reason", "seen on A"}));
  ASSERT_EQ(add.status, 0) << add.output;
  std::this_thread::sleep_for(1s);
  EXPECT_FALSE(b_.answers_from("127.0.0.41"));
  EXPECT_TRUE(b_.answers_from("127.0.0.42"));
  CmdRun list = run(b_.dir(), b_.ban({"list"}));
  EXPECT_NE(list.output.find("127.0.0.41 ttl="), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("reason=\"seen on A\""), std::string::npos) << list.output;

  CmdRun rm = run(b_.dir(), b_.ban({"remove", "127.0.0.41"}));
  ASSERT_EQ(rm.status, 0) << rm.output;
  std::this_thread::sleep_for(1s);
  EXPECT_TRUE(a_.answers_from("127.0.0.41"));
  EXPECT_EQ(run(a_.dir(), a_.ban({"list"})).output.find("127.0.0.41"), std::string::npos);
  // B's silence toward 127.0.0.41 was its ban list at work, not a lost datagram: the
  // shutdown summary counts the probe the ban list dropped.
  EXPECT_EQ(b_.stop(), 0) << b_.log();
  EXPECT_NE(b_.log().find("imsguard_guard_dropped_total{guard=\"banlist\"} "), std::string::npos) << b_.log();
}

TEST_F(MultiEdge, RedisStoppedAndRestartedDuringTraffic) {
  start("", /*persistent=*/true);
  ChildProcess carol;
  std::string carol_log = a_.dir() + "/carol.log";
  keep_registered(carol, a_, "carol", carol_log);
  CmdRun aka = run(a_.dir(), a_.aka("bob"));
  ASSERT_EQ(aka.status, 0) << aka.output << a_.log();
  const std::string sqn_before = sqn("bob@ims.local");
  ASSERT_FALSE(sqn_before.empty());

  redis_->stop();

  // A registered user is still reached (A serves its bindings from local state).
  auto msg = a_.digest("message", "alice", "alice-secret");
  msg.insert(msg.end(), {"--to", "sip:carol@ims.local", "--text", "during the outage"});
  CmdRun during = run(a_.dir(), msg);
  EXPECT_EQ(during.status, 0) << during.output;
  EXPECT_TRUE(eventually([&] { return read_file(carol_log).find("during the outage") != std::string::npos; }, 10s));
  // A new Digest registration through B is accepted locally and queued for Redis.
  ChildProcess dave;
  std::string dave_log = b_.dir() + "/dave.log";
  keep_registered(dave, b_, "dave", dave_log);
  // An AKA challenge needs a durably reserved SQN. A holds the rest of a batch it reserved
  // before the outage (stored in Redis then, never handed out twice): bob registers. B never
  // reserved for bob: refused with 503, never built on a guess.
  CmdRun from_batch = run(a_.dir(), a_.aka("bob"));
  EXPECT_EQ(from_batch.status, 0) << from_batch.output;
  CmdRun refused = run(b_.dir(), b_.aka("bob"));
  EXPECT_EQ(refused.status, 1) << refused.output;
  EXPECT_NE(refused.output.find("503"), std::string::npos) << refused.output;
  EXPECT_TRUE(a_.running());
  EXPECT_TRUE(b_.running());
  EXPECT_NE(a_.events().find("\"action\":\"outage\""), std::string::npos) << a_.events();

  ASSERT_TRUE(redis_->start()) << read_file(redis_->log_path());
  EXPECT_EQ(sqn("bob@ims.local"), sqn_before) << "the SQN survived the Redis restart";

  // Caught up: dave's registration, made through B while Redis was down, reaches Redis (so
  // every edge can find him), and A finds him (no 480).
  ASSERT_TRUE(eventually([&] { return redis_->cli({"HKEYS", "imsguard:b:sip:dave@ims.local"}).find("sip:dave@") == 0; }, 15s))
      << b_.log();
  auto to_dave = a_.digest("message", "alice", "alice-secret");
  to_dave.insert(to_dave.end(), {"--to", "sip:dave@ims.local", "--text", "after the outage", "--timeout", "2"});
  CmdRun found = run(a_.dir(), to_dave);
  EXPECT_EQ(found.output.find(": 480"), std::string::npos) << found.output;
  EXPECT_NE(found.output.find("MESSAGE sip:dave@ims.local: 200"), std::string::npos) << found.output;
  EXPECT_TRUE(eventually([&] { return read_file(dave_log).find("after the outage") != std::string::npos; }, 10s))
      << read_file(dave_log);
  // AKA works again and the SQN only moved forward.
  CmdRun again = run(b_.dir(), b_.aka("bob"));
  EXPECT_EQ(again.status, 0) << again.output;
  EXPECT_GT(std::stoull(sqn("bob@ims.local")), std::stoull(sqn_before));
  EXPECT_TRUE(eventually([&] { return a_.events().find("\"action\":\"recovered\"") != std::string::npos; }, 10s))
      << a_.events();

  EXPECT_EQ(carol.stop(30s), 0);
  EXPECT_EQ(dave.stop(30s), 0);
  EXPECT_EQ(a_.stop(), 0) << a_.log();
  EXPECT_EQ(b_.stop(), 0) << b_.log();
  EXPECT_NE(a_.log().find("imsguard_state_redis_outages_total "), std::string::npos) << a_.log();
}

// Issue 17 F20: bob's phone answers, correctly, a challenge that edge A issued; A is killed
// before the answer arrives and the answer reaches B. B cannot verify a nonce it did not
// issue, but that proves nothing against bob: it must not count as a failure on the shared
// counter (with a threshold of 2, it used to lock bob out), and B's own challenge succeeds.
TEST_F(MultiEdge, ACorrectAkaAnswerToAChallengeOfAKilledEdgeIsNoFailure) {
  start("guards:\n  bruteforce:\n    max_failures: 2\n    per_impi_distributed: 2\n    lockout_s: 300\n");
  UdpPeer phone;
  int cseq = 0;
  auto request = [&](const std::string& authorization) {
    ++cseq;
    std::string port = std::to_string(phone.local_port());
    return "REGISTER sip:ims.local SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + port + ";branch=z9hG4bKf20-" +
           std::to_string(cseq) + "\r\nMax-Forwards: 70\r\nFrom: <sip:bob@ims.local>;tag=f20\r\nTo: <sip:bob@ims.local>\r\n"
           "Call-ID: f20-" + port + "\r\nCSeq: " + std::to_string(cseq) + " REGISTER\r\nContact: <sip:bob@127.0.0.1:" + port +
           ">\r\nExpires: 600\r\n" + authorization + "Content-Length: 0\r\n\r\n";
  };
  auto exchange = [&](uint16_t port, const std::string& text) -> std::string {
    phone.send(text, port);
    auto got = phone.receive(5s);
    while (got && status_of(*got) < 200) got = phone.receive(5s);
    return got ? *got : std::string();
  };
  auto k = *imsguard::crypto::from_hex(kK);
  auto opc = *imsguard::crypto::from_hex(kOpc);
  imsguard::crypto::Key kk, oo;
  std::copy(k.begin(), k.end(), kk.begin());
  std::copy(opc.begin(), opc.end(), oo.begin());
  auto usim = imsguard::crypto::Milenage::from_opc(kk, oo);
  ASSERT_TRUE(usim);
  imsguard::crypto::SqnWindow window;
  // The USIM checks the challenge and answers it (RFC 3310 AKAv1-MD5).
  auto answer = [&](const std::string& challenge) -> std::string {
    auto c = imsguard::crypto::parse_digest_challenge(header_of(challenge, "WWW-Authenticate"));
    if (!c.ok()) return {};
    auto n = imsguard::crypto::split_aka_nonce(c->nonce);
    if (!n.ok()) return {};
    auto r = imsguard::crypto::client_authenticate(*usim, n->rand, n->autn, window);
    if (r.status != imsguard::crypto::AutnStatus::kOk) return {};
    auto ha1 = imsguard::crypto::aka_ha1(imsguard::crypto::DigestAka::kAkav1, "bob@ims.local", "ims.local", r.res, r.ik, r.ck);
    imsguard::crypto::DigestInput in{c->algorithm, *ha1, "REGISTER", "sip:ims.local", c->nonce,
                                     "00000001", "f20c", "auth", ""};
    auto resp = imsguard::crypto::digest_response(in);
    return "Authorization: Digest username=\"bob@ims.local\", realm=\"ims.local\", nonce=\"" + c->nonce +
           "\", uri=\"sip:ims.local\", response=\"" + *resp +
           "\", algorithm=AKAv1-MD5, qop=auth, nc=00000001, cnonce=\"f20c\"\r\n";
  };
  std::string from_a = exchange(a_.port(), request(""));
  ASSERT_EQ(status_of(from_a), 401) << from_a << a_.log();
  std::string correct = answer(from_a);
  ASSERT_FALSE(correct.empty()) << from_a;
  a_.stop();  // A dies with its nonce secret
  // The answer (and its retransmission by a phone that got no reply) reaches B.
  std::string first = exchange(b_.port(), request(correct));
  std::string second = exchange(b_.port(), request(correct));
  EXPECT_EQ(status_of(first), 401) << first;
  EXPECT_EQ(status_of(second), 401) << second << "\n" << b_.events();
  // B's own challenge is answered and bob registers: nothing was counted against him.
  std::string mine = answer(second);
  ASSERT_FALSE(mine.empty()) << second;
  std::string done = exchange(b_.port(), request(mine));
  EXPECT_EQ(status_of(done), 200) << done << "\n" << b_.events();
  EXPECT_EQ(b_.events().find("\"action\":\"lockout\""), std::string::npos) << b_.events();
}

}  // namespace

// A brute force counted across edges must not make the SIP workers wait for Redis: with
// Redis stopped (SIGSTOP: connections stay open, nothing answers, the link waits its 30 s
// timeout), wrong answers from eight phones and an OPTIONS from another are all answered
// while Redis is still stopped, and the failures reach Redis once it runs again. With the
// count made on the worker (a Redis round trip per failure), the two workers sat in it and
// the answers waited for Redis.
TEST_F(MultiEdge, AStalledRedisHoldsNoSipWorkerOnFailedAuthentications) {
  start("guards:\n  bruteforce:\n    max_failures: 100\n    per_impi_distributed: 100\n", false, "timeout_ms=30000");
  constexpr int kPhones = 8;
  std::vector<std::unique_ptr<UdpPeer>> phones;
  auto request = [](const UdpPeer& p, int cseq, const std::string& authorization) {
    std::string port = std::to_string(p.local_port());
    return "REGISTER sip:ims.local SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + port + ";branch=z9hG4bKst" + port + "-" +
           std::to_string(cseq) + "\r\nMax-Forwards: 70\r\nFrom: <sip:erin@ims.local>;tag=st\r\nTo: <sip:erin@ims.local>\r\n"
           "Call-ID: st-" + port + "\r\nCSeq: " + std::to_string(cseq) + " REGISTER\r\nContact: <sip:erin@127.0.0.1:" +
           port + ">\r\nExpires: 600\r\n" + authorization + "Content-Length: 0\r\n\r\n";
  };
  auto final_answer = [](UdpPeer& p, std::chrono::milliseconds limit) -> std::string {
    auto got = p.receive(limit);
    while (got && status_of(*got) < 200) got = p.receive(limit);
    return got ? *got : std::string();
  };
  // Each phone gets its own challenge while Redis runs, then answers it wrongly.
  std::vector<std::string> wrong;
  for (int i = 0; i < kPhones; ++i) {
    phones.push_back(std::make_unique<UdpPeer>());
    UdpPeer& p = *phones.back();
    p.send(request(p, 1, ""), a_.port());
    std::string challenge = final_answer(p, 5s);
    ASSERT_EQ(status_of(challenge), 401) << challenge << a_.log();
    auto c = imsguard::crypto::parse_digest_challenge(header_of(challenge, "WWW-Authenticate"));
    ASSERT_TRUE(c.ok()) << challenge;
    std::string ha1 = imsguard::crypto::digest_ha1(c->algorithm.hash, "erin@ims.local", "ims.local", "guess");
    imsguard::crypto::DigestInput in{c->algorithm, ha1, "REGISTER", "sip:ims.local", c->nonce,
                                     "00000001", "57a11", "auth", ""};
    auto resp = imsguard::crypto::digest_response(in);
    ASSERT_TRUE(resp.ok());
    wrong.push_back(request(p, 2, "Authorization: Digest username=\"erin@ims.local\", realm=\"ims.local\", nonce=\"" +
                                      c->nonce + "\", uri=\"sip:ims.local\", response=\"" + *resp +
                                      "\", algorithm=" + imsguard::crypto::digest_algorithm_name(c->algorithm) +
                                      ", qop=auth, nc=00000001, cnonce=\"57a11\"\r\n"));
  }
  ASSERT_EQ(::kill(redis_->pid(), SIGSTOP), 0);
  struct Resume {
    pid_t pid;
    ~Resume() { ::kill(pid, SIGCONT); }
  } resume{redis_->pid()};
  for (int i = 0; i < kPhones; ++i) phones[i]->send(wrong[i], a_.port());
  UdpPeer other;
  std::string port = std::to_string(other.local_port());
  other.send("OPTIONS sip:ims.local SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + port + ";branch=z9hG4bKstopt" + port +
                 "\r\nMax-Forwards: 70\r\nFrom: <sip:dave@ims.local>;tag=o\r\nTo: <sip:ims.local>\r\nCall-ID: stopt-" + port +
                 "\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
             a_.port());
  // Bounded well under the link's 30 s: answered while Redis is stopped, or not at all.
  std::string pong = final_answer(other, 10s);
  EXPECT_EQ(status_of(pong), 200) << "an OPTIONS waited for Redis: " << pong;
  for (int i = 0; i < kPhones; ++i) {
    std::string answer = final_answer(*phones[i], 10s);
    EXPECT_EQ(status_of(answer), 401) << "phone " << i << ": a failed authentication waited for Redis: " << answer;
  }
  ::kill(redis_->pid(), SIGCONT);
  // Counted across edges all the same, once Redis answers.
  EXPECT_TRUE(eventually([&] { return redis_->cli({"EXISTS", "imsguard:cnt:impi:erin@ims.local"}) == "1"; }, 60s))
      << redis_->cli({"KEYS", "*"});
}
