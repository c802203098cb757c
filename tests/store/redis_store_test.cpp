// The Redis backend against a real redis-server started by the test: the binding contract,
// two edges (two clients) seeing each other's state, SQNs that are never handed out twice
// (concurrency, a Redis that restarted empty), shared guard state, and what happens while
// Redis is down and when it returns.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <thread>

#include "redis_server.h"
#include "../support/test_telemetry.h"
#include "store/redis_binding_store.h"
#include "store/redis_client.h"
#include "store/redis_guard_store.h"
#include "store/redis_sqn_store.h"
#include "store/memory_subscriber_store.h"
#include "store/state.h"
#include "temp_dir.h"

namespace imsguard::store {
namespace {

using testing::RedisServer;
using testing::TempDir;
using namespace std::chrono_literals;

constexpr int64_t kNow = 1'800'000'000;

Binding binding(const std::string& aor, const std::string& contact, int64_t expires_at,
                const std::string& source = "127.0.0.1:5070", const std::string& flow = "") {
  Binding b;
  b.aor = aor;
  b.contact = contact;
  b.impi = "alice@ims.local";
  b.transport = flow.empty() ? "udp" : "tcp";
  b.source = source;
  b.flow_id = flow;
  b.call_id = "call-" + contact;
  b.cseq = 7;
  b.expires_at = expires_at;
  b.path = "<sip:edge1.ims.local;lr>";
  return b;
}

// `t`: where the client (and the stores built on it) report; it outlives them.
std::shared_ptr<RedisClient> client_for(const RedisServer& redis, test::Telemetry& t) {
  auto url = config::parse_redis_url(redis.url("timeout_ms=300"));
  EXPECT_TRUE(url.ok()) << url.message();
  auto c = RedisClient::connect(*url, t.metrics, t.events);
  EXPECT_TRUE(c.ok()) << c.message();
  if (!c.ok()) return nullptr;
  std::shared_ptr<RedisClient> shared(std::move(c).value());
  shared->set_retry_ms(50);
  return shared;
}

Subscriber aka_subscriber(const std::string& impi, uint64_t sqn = 0) {
  Subscriber s;
  s.impi = impi;
  s.impus = {"sip:" + impi};
  s.realm = "ims.local";
  s.scheme = AuthScheme::kAka;
  s.k.fill(1);
  s.opc.fill(2);
  s.sqn = sqn;
  return s;
}

class RedisStore : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(redis_.start()) << testkit::read_file(redis_.log_path()); }
  test::Telemetry telemetry_;  // outlives the clients of a test
  RedisServer redis_;
};

TEST_F(RedisStore, BindingContract) {
  auto client = client_for(redis_, telemetry_);
  ASSERT_TRUE(client);
  RedisBindingStore store(client);
  Binding a = binding("sip:alice@ims.local", "sip:alice@127.0.0.1:5070", kNow + 600);
  Binding a2 = binding("sip:alice@ims.local", "sip:alice@127.0.0.1:5071", kNow + 600, "127.0.0.1:5071", "42");
  Binding old = binding("sip:bob@ims.local", "sip:bob@127.0.0.1:5080", kNow - 1, "127.0.0.1:5080");
  for (const auto& b : {a2, a, old}) ASSERT_TRUE(store.upsert(b).ok());
  auto found = store.lookup("sip:alice@ims.local", kNow);
  ASSERT_TRUE(found.ok()) << found.message();
  ASSERT_EQ(found.value().size(), 2u);
  EXPECT_EQ(found.value()[0], a);  // ordered by contact
  EXPECT_EQ(found.value()[1], a2);
  EXPECT_TRUE(store.lookup("sip:bob@ims.local", kNow).value().empty());  // expired is never returned

  auto by_flow = store.find_by_flow("tcp", "127.0.0.1:5071", "42", kNow);
  ASSERT_TRUE(by_flow.ok());
  ASSERT_EQ(by_flow.value().size(), 1u);
  EXPECT_EQ(by_flow.value()[0], a2);
  EXPECT_TRUE(store.find_by_flow("tcp", "127.0.0.1:5071", "43", kNow).value().empty());

  // The same contact moving to another flow leaves the old flow's index.
  Binding moved = a2;
  moved.flow_id = "77";
  ASSERT_TRUE(store.upsert(moved).ok());
  EXPECT_TRUE(store.find_by_flow("tcp", "127.0.0.1:5071", "42", kNow).value().empty());
  EXPECT_EQ(store.find_by_flow("tcp", "127.0.0.1:5071", "77", kNow).value().size(), 1u);

  EXPECT_EQ(store.list(kNow).value().size(), 2u);
  EXPECT_EQ(store.purge_expired(kNow).value(), 1u);
  EXPECT_TRUE(store.remove("sip:alice@ims.local", "sip:alice@127.0.0.1:5070").value());
  EXPECT_FALSE(store.remove("sip:alice@ims.local", "sip:alice@127.0.0.1:5070").value());
  EXPECT_EQ(store.remove_all("sip:alice@ims.local").value(), 1u);
  EXPECT_TRUE(store.list(kNow).value().empty());
  EXPECT_TRUE(store.find_by_flow("tcp", "127.0.0.1:5071", "77", kNow).value().empty());
  EXPECT_EQ(store.upsert(binding("", "x", kNow)).code(), StoreErrc::kInvalid);
}

TEST_F(RedisStore, PurgeExpiredOfOneAorKeepsOtherAorsAndRefreshedBindings) {
  // The registrar's purge before it adds a Contact (issue 17 F3), seen from two edges.
  auto ca = client_for(redis_, telemetry_), cb = client_for(redis_, telemetry_);
  ASSERT_TRUE(ca && cb);
  RedisBindingStore a(ca), b(cb);
  ASSERT_TRUE(a.upsert(binding("sip:alice@ims.local", "sip:a@1", kNow - 5)).ok());
  ASSERT_TRUE(a.upsert(binding("sip:alice@ims.local", "sip:a@2", kNow - 5)).ok());
  ASSERT_TRUE(a.upsert(binding("sip:alice@ims.local", "sip:a@3", kNow + 600)).ok());
  ASSERT_TRUE(a.upsert(binding("sip:bob@ims.local", "sip:b@1", kNow - 5)).ok());
  // Edge B refreshed a@2 after edge A last read it: A's mirror still holds the expired copy.
  ASSERT_TRUE(b.upsert(binding("sip:alice@ims.local", "sip:a@2", kNow + 600)).ok());
  EXPECT_EQ(a.purge_expired_of("sip:alice@ims.local", kNow).value(), 1u);
  auto alice = b.lookup("sip:alice@ims.local", 0).value();  // every stored row of alice
  ASSERT_EQ(alice.size(), 2u);
  EXPECT_EQ(alice[0].contact, "sip:a@2");
  EXPECT_EQ(alice[1].contact, "sip:a@3");
  EXPECT_EQ(b.lookup("sip:bob@ims.local", 0).value().size(), 1u) << "another AoR is left alone";
}

TEST_F(RedisStore, TwoEdgesSeeEachOthersBindings) {
  auto ca = client_for(redis_, telemetry_), cb = client_for(redis_, telemetry_);
  ASSERT_TRUE(ca && cb);
  RedisBindingStore a(ca), b(cb);
  Binding alice = binding("sip:alice@ims.local", "sip:alice@127.0.0.1:5070", kNow + 600);
  ASSERT_TRUE(a.upsert(alice).ok());
  auto seen = b.lookup("sip:alice@ims.local", kNow);
  ASSERT_TRUE(seen.ok());
  ASSERT_EQ(seen.value().size(), 1u);
  EXPECT_EQ(seen.value()[0], alice);
  EXPECT_EQ(b.find_by_flow("udp", "127.0.0.1:5070", "", kNow).value().size(), 1u);
  ASSERT_TRUE(b.remove_all("sip:alice@ims.local").ok());
  EXPECT_TRUE(a.lookup("sip:alice@ims.local", kNow).value().empty());
}

TEST_F(RedisStore, MalformedValuesInRedisAreSkippedNotTrusted) {
  auto client = client_for(redis_, telemetry_);
  RedisBindingStore store(client);
  redis_.cli({"HSET", "imsguard:b:sip:x@ims.local", "c", "99999:short"});
  redis_.cli({"SADD", "imsguard:aors", "sip:x@ims.local"});
  auto found = store.lookup("sip:x@ims.local", kNow);
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found.value().empty());
  EXPECT_TRUE(store.list(kNow).value().empty());
  EXPECT_FALSE(decode_binding("3:abc"));
  EXPECT_FALSE(decode_ban("x"));
}

TEST_F(RedisStore, ConcurrentSqnReservationsFromTwoEdgesAreAllDistinct) {
  auto ca = client_for(redis_, telemetry_), cb = client_for(redis_, telemetry_);
  ASSERT_TRUE(ca && cb);
  auto records_a = std::make_unique<MemorySubscriberStore>();
  auto records_b = std::make_unique<MemorySubscriberStore>();
  ASSERT_TRUE(records_a->add(aka_subscriber("bob@ims.local", 5)).ok());
  ASSERT_TRUE(records_b->add(aka_subscriber("bob@ims.local", 5)).ok());
  RedisSqnSubscriberStore a(std::move(records_a), ca), b(std::move(records_b), cb);
  const SqnAdvance plus32 = [](uint64_t cur) { return cur + 32; };
  std::mutex mu;
  std::vector<uint64_t> got;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      SubscriberStore& s = t % 2 == 0 ? static_cast<SubscriberStore&>(a) : static_cast<SubscriberStore&>(b);
      for (int i = 0; i < 50; ++i) {
        auto r = s.reserve_sqn("bob@ims.local", plus32);
        ASSERT_TRUE(r.ok()) << r.message();
        std::lock_guard lock(mu);
        got.push_back(r.value());
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<uint64_t> distinct(got.begin(), got.end());
  EXPECT_EQ(distinct.size(), got.size());
  EXPECT_EQ(*distinct.begin(), 5u + 32);  // starts from the provisioned SQN
  EXPECT_EQ(*distinct.rbegin(), 5u + 32 * 200);
  EXPECT_EQ(redis_.cli({"GET", "imsguard:sqn:bob@ims.local"}), std::to_string(5 + 32 * 200));
  EXPECT_EQ(a.reserve_sqn("nobody@ims.local", plus32).code(), StoreErrc::kNotFound);
  EXPECT_EQ(a.reserve_sqn("bob@ims.local", [](uint64_t c) { return c; }).code(), StoreErrc::kInvalid);
  // find() reports the shared SQN (resynchronisation decisions read it).
  EXPECT_EQ(b.find("bob@ims.local").value()->sqn, 5u + 32 * 200);
}

TEST_F(RedisStore, SqnIsNeverReusedAfterRedisRestartsEmpty) {
  auto client = client_for(redis_, telemetry_);
  auto records = std::make_unique<MemorySubscriberStore>();
  ASSERT_TRUE(records->add(aka_subscriber("bob@ims.local")).ok());
  RedisSqnSubscriberStore store(std::move(records), client);
  const SqnAdvance plus32 = [](uint64_t cur) { return cur + 32; };
  uint64_t last = 0;
  for (int i = 0; i < 3; ++i) last = store.reserve_sqn("bob@ims.local", plus32).value();
  EXPECT_EQ(last, 96u);
  // A non-persistent Redis restarted: every key is gone.
  redis_.stop();
  auto down = store.reserve_sqn("bob@ims.local", plus32);
  EXPECT_EQ(down.code(), StoreErrc::kUnavailable) << "no SQN may be handed out without the shared store";
  ASSERT_TRUE(redis_.start());
  ASSERT_TRUE(testkit::eventually([&] { return store.reserve_sqn("bob@ims.local", plus32).ok(); }, 5s));
  auto next = store.reserve_sqn("bob@ims.local", plus32);
  ASSERT_TRUE(next.ok()) << next.message();
  EXPECT_GT(next.value(), last + 32);  // continues above what this edge used, not from 0
  EXPECT_GE(client->outages(), 1u);
  EXPECT_GE(client->recoveries(), 1u);
}

TEST_F(RedisStore, SetSqnAfterResyncIsSharedAndMayGoBack) {
  auto ca = client_for(redis_, telemetry_), cb = client_for(redis_, telemetry_);
  auto ra = std::make_unique<MemorySubscriberStore>();
  auto rb = std::make_unique<MemorySubscriberStore>();
  ASSERT_TRUE(ra->add(aka_subscriber("bob@ims.local")).ok());
  ASSERT_TRUE(rb->add(aka_subscriber("bob@ims.local")).ok());
  RedisSqnSubscriberStore a(std::move(ra), ca), b(std::move(rb), cb);
  const SqnAdvance plus32 = [](uint64_t cur) { return cur + 32; };
  ASSERT_EQ(a.reserve_sqn("bob@ims.local", plus32).value(), 32u);
  ASSERT_EQ(a.reserve_sqn("bob@ims.local", plus32).value(), 64u);
  ASSERT_TRUE(a.set_sqn("bob@ims.local", 40).ok());  // the USIM reported SQN_MS = 40
  EXPECT_EQ(a.reserve_sqn("bob@ims.local", plus32).value(), 72u);
  EXPECT_EQ(b.reserve_sqn("bob@ims.local", plus32).value(), 104u);
}

TEST_F(RedisStore, GuardStateIsSharedBetweenEdges) {
  auto ca = client_for(redis_, telemetry_), cb = client_for(redis_, telemetry_);
  RedisGuardStore a(ca), b(cb);
  const int64_t now = 1'800'000'000'000;
  std::string cursor_b;
  auto first = b.changes(cursor_b, now);
  ASSERT_TRUE(first.ok()) << first.message();
  EXPECT_TRUE(first.value().reset);
  EXPECT_TRUE(first.value().bans.empty());

  BanRecord ban{"192.0.2.7", 0, "scanner", "scanner", now, now + 60'000, true};
  ASSERT_TRUE(a.put_ban(ban).ok());
  ASSERT_TRUE(a.put_lock({"impi:alice@ims.local", now + 30'000}).ok());
  auto seen = b.changes(cursor_b, now);
  ASSERT_TRUE(seen.ok()) << seen.message();
  ASSERT_EQ(seen.value().bans.size(), 1u);
  EXPECT_EQ(seen.value().bans[0], ban);
  ASSERT_EQ(seen.value().locks.size(), 1u);
  EXPECT_EQ(seen.value().locks[0].key, "impi:alice@ims.local");
  // Nothing new: nothing again. A's own changes are not echoed back to A.
  EXPECT_TRUE(b.changes(cursor_b, now).value().bans.empty());
  std::string cursor_a = "0-0";
  EXPECT_TRUE(a.changes(cursor_a, now).value().bans.empty());

  ASSERT_TRUE(a.remove_ban("192.0.2.7", 0).value());
  auto lifted = b.changes(cursor_b, now);
  ASSERT_EQ(lifted.value().unbans.size(), 1u);
  EXPECT_EQ(lifted.value().unbans[0].target, "192.0.2.7");
  EXPECT_TRUE(b.live_bans(now).value().empty());

  // A fresh edge gets the live state in full.
  std::string fresh;
  auto full = b.changes(fresh, now);
  EXPECT_TRUE(full.value().reset);
  ASSERT_EQ(full.value().locks.size(), 1u);
  EXPECT_EQ(full.value().locks[0].until_ms, now + 30'000);
}

TEST_F(RedisStore, FailureCountersAddUpAcrossEdgesAndExpire) {
  auto ca = client_for(redis_, telemetry_), cb = client_for(redis_, telemetry_);
  RedisGuardStore a(ca), b(cb);
  EXPECT_EQ(a.add_count("impi:alice@ims.local", 60'000).value(), 1u);
  EXPECT_EQ(b.add_count("impi:alice@ims.local", 60'000).value(), 2u);
  EXPECT_EQ(a.add_count("impi:alice@ims.local", 60'000).value(), 3u);
  EXPECT_EQ(b.add_count("src:192.0.2.1", 60'000).value(), 1u);
  // The window is the key's lifetime.
  std::string ttl = redis_.cli({"PTTL", "imsguard:cnt:impi:alice@ims.local"});
  EXPECT_GT(std::stoll(ttl), 0);
  EXPECT_LE(std::stoll(ttl), 60'000);
}

TEST_F(RedisStore, NonceCountReplayAcrossEdgesIsRefused) {
  auto ca = client_for(redis_, telemetry_), cb = client_for(redis_, telemetry_);
  RedisGuardStore a(ca), b(cb);
  EXPECT_TRUE(a.use_nonce_count("nonce-1", 1, 30'000).value());
  EXPECT_FALSE(b.use_nonce_count("nonce-1", 1, 30'000).value());  // the same answer, replayed at B
  EXPECT_TRUE(b.use_nonce_count("nonce-1", 2, 30'000).value());
  EXPECT_FALSE(a.use_nonce_count("nonce-1", 2, 30'000).value());
  EXPECT_TRUE(a.use_nonce_count("nonce-2", 1, 30'000).value());
}

TEST_F(RedisStore, BindingsMadeDuringAnOutageAreServedLocallyAndReplayed) {
  auto ca = client_for(redis_, telemetry_), cb = client_for(redis_, telemetry_);
  RedisBindingStore a(ca, 50), b(cb, 50);
  Binding alice = binding("sip:alice@ims.local", "sip:alice@127.0.0.1:5070", kNow + 600);
  ASSERT_TRUE(a.upsert(alice).ok());

  redis_.stop();
  // Registered users keep being served from the local mirror.
  auto during = a.lookup("sip:alice@ims.local", kNow);
  ASSERT_TRUE(during.ok());
  ASSERT_EQ(during.value().size(), 1u);
  // New registrations are accepted locally and queued.
  Binding carol = binding("sip:carol@ims.local", "sip:carol@127.0.0.1:5090", kNow + 600, "127.0.0.1:5090");
  ASSERT_TRUE(a.upsert(carol).ok());
  ASSERT_TRUE(a.remove("sip:alice@ims.local", "sip:alice@127.0.0.1:5070").ok());
  EXPECT_EQ(a.pending(), 2u);
  EXPECT_EQ(a.lookup("sip:carol@ims.local", kNow).value().size(), 1u);
  EXPECT_TRUE(a.lookup("sip:alice@ims.local", kNow).value().empty());
  EXPECT_FALSE(ca->up());

  ASSERT_TRUE(redis_.start());
  // Caught up: the other edge sees the change made during the outage, in order.
  ASSERT_TRUE(testkit::eventually([&] { return a.pending() == 0; }, 10s));
  ASSERT_TRUE(testkit::eventually([&] { return b.lookup("sip:carol@ims.local", kNow).value().size() == 1; }, 5s));
  EXPECT_TRUE(b.lookup("sip:alice@ims.local", kNow).value().empty());
  EXPECT_TRUE(ca->up());
  EXPECT_GE(ca->outages(), 1u);
}

TEST(RedisStoreConnect, WrongPasswordAndUnreachableServerFailAtOpenWithAClearError) {
  test::Telemetry telemetry;  // the Redis client of a redis:// state reports into it
  RedisServer redis(false, "s3cret");
  ASSERT_TRUE(redis.start());
  TempDir dir;
  auto ok = open_state(redis.url(), dir.path(), telemetry.metrics, telemetry.events);
  ASSERT_TRUE(ok.ok()) << ok.message();
  EXPECT_TRUE(ok.value().guard->shared());
  std::string wrong = "redis://:nope@127.0.0.1:" + std::to_string(redis.port()) + "/0";
  auto bad = open_state(wrong, dir.path(), telemetry.metrics, telemetry.events);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("AUTH failed"), std::string::npos) << bad.message();
  EXPECT_EQ(bad.message().find("nope"), std::string::npos) << "the password must not be echoed";
  uint16_t closed = testkit::free_port();
  auto none = open_state("redis://127.0.0.1:" + std::to_string(closed) + "/0", dir.path(), telemetry.metrics, telemetry.events);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.code(), StoreErrc::kUnavailable);
  EXPECT_NE(none.message().find("cannot reach Redis"), std::string::npos) << none.message();
  auto garbage = open_state("redis://127.0.0.1:notaport", dir.path(), telemetry.metrics, telemetry.events);
  EXPECT_EQ(garbage.code(), StoreErrc::kInvalid);
}

}  // namespace
}  // namespace imsguard::store
