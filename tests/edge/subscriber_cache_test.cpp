// The registration path's subscriber cache: one store read serves a challenge and its answer
// (IMPU then IMPI), unknown users are cached too, writes through the cache apply at once,
// writes elsewhere once the store's change stamp moves (or after the TTL for a store without
// one), SQN reservations keep the cached SQN current, and backend errors are never cached.
#include "edge/subscriber_cache.h"
#include "../support/test_telemetry.h"
#include "store/memory_subscriber_store.h"
#include "store/provisioning.h"
#include "store/sqlite_subscriber_store.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

using namespace imsguard;
using namespace imsguard::edge;

namespace {

// Counts reads and can be made to fail, around a real in-memory store.
class CountingStore final : public store::SubscriberStore {
 public:
  store::MemorySubscriberStore inner;
  int reads = 0;
  bool failing = false;
  bool stamped = false;        // offers the inner store's change stamp
  bool stamp_failing = false;  // ... which then cannot be read

  store::StoreResult<std::optional<store::Subscriber>> find(std::string_view impi) override {
    ++reads;
    if (failing) return store::unavailable("down");
    return inner.find(impi);
  }
  store::StoreResult<std::optional<store::Subscriber>> find_by_impu(std::string_view impu) override {
    ++reads;
    if (failing) return store::unavailable("down");
    return inner.find_by_impu(impu);
  }
  store::StoreResult<void> add(const store::Subscriber& s) override { return inner.add(s); }
  store::StoreResult<void> add_all(const std::vector<store::Subscriber>& s) override { return inner.add_all(s); }
  store::StoreResult<void> update(const store::Subscriber& s) override { return inner.update(s); }
  store::StoreResult<void> remove(std::string_view impi) override { return inner.remove(impi); }
  store::StoreResult<void> set_barred(std::string_view impi, bool b) override { return inner.set_barred(impi, b); }
  store::StoreResult<std::vector<store::Subscriber>> list(std::size_t o, std::size_t l) override { return inner.list(o, l); }
  store::StoreResult<std::size_t> count() override { return inner.count(); }
  store::StoreResult<uint64_t> reserve_sqn(std::string_view impi, const store::SqnAdvance& next) override {
    return inner.reserve_sqn(impi, next);
  }
  store::StoreResult<void> set_sqn(std::string_view impi, uint64_t sqn) override { return inner.set_sqn(impi, sqn); }
  store::StoreResult<uint64_t> change_stamp() override {
    if (!stamped) return store::SubscriberStore::change_stamp();
    if (stamp_failing) return store::unavailable("down");
    return inner.change_stamp();
  }
};

// Reads `impi` through the cache until `done` says yes, for at most two seconds.
template <typename Done>
bool eventually_seen(CachedSubscriberStore& cache, const std::string& impi, Done done) {
  for (int i = 0; i < 200; ++i) {
    auto r = cache.find(impi);
    if (r.ok() && done(r.value())) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

store::Subscriber digest_user(const std::string& name) {
  store::ProvisioningOptions po;
  po.realm = "ims.local";
  auto s = store::build_subscriber({.impi = name + "@ims.local", .impus = {"sip:" + name + "@ims.local"}, .password = "pw"}, po);
  EXPECT_TRUE(s.ok()) << s.message();
  return s.value();
}

store::Subscriber aka_user(const std::string& name) {
  store::ProvisioningOptions po;
  po.realm = "ims.local";
  auto s = store::build_subscriber({.impi = name + "@ims.local", .impus = {"sip:" + name + "@ims.local"},
                                    .k = "465b5ce8b199b49faa5f0a2ee238a6bc", .opc = "cd63cb71954a9f4e48a5994e37a02baf",
                                    .amf = "0000", .sqn = "0"},
                                   po);
  EXPECT_TRUE(s.ok()) << s.message();
  return s.value();
}

TEST(SubscriberCache, OneReadServesTheChallengeAndTheAnswer) {
  test::Telemetry t;
  CountingStore backend;
  ASSERT_TRUE(backend.add(digest_user("alice")).ok());
  CachedSubscriberStore cache(t.metrics, backend, 60000);
  auto by_impu = cache.find_by_impu("sip:alice@ims.local");
  ASSERT_TRUE(by_impu.ok() && by_impu.value());
  auto by_impi = cache.find("alice@ims.local");
  ASSERT_TRUE(by_impi.ok() && by_impi.value());
  EXPECT_EQ(by_impi.value()->impi, "alice@ims.local");
  EXPECT_EQ(backend.reads, 1);
  EXPECT_EQ(cache.hits(), 1u);
}

TEST(SubscriberCache, UnknownUsersAreCachedAndProvisioningEndsThat) {
  test::Telemetry t;
  CountingStore backend;
  CachedSubscriberStore cache(t.metrics, backend, 60000);
  for (int i = 0; i < 3; ++i) {
    auto r = cache.find("carol@ims.local");
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r.value().has_value());
  }
  EXPECT_EQ(backend.reads, 1);
  ASSERT_TRUE(cache.add(digest_user("carol")).ok());
  auto r = cache.find("carol@ims.local");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.value().has_value()) << "a cached 'unknown' outlived the provisioning";
}

TEST(SubscriberCache, BarringThroughTheCacheAppliesAtOnce) {
  test::Telemetry t;
  CountingStore backend;
  ASSERT_TRUE(backend.add(digest_user("dave")).ok());
  CachedSubscriberStore cache(t.metrics, backend, 60000);
  ASSERT_FALSE(cache.find("dave@ims.local").value()->barred);
  ASSERT_TRUE(cache.set_barred("dave@ims.local", true).ok());
  EXPECT_TRUE(cache.find("dave@ims.local").value()->barred);
}

TEST(SubscriberCache, ChangesMadeElsewhereAreSeenAfterTheTtl) {
  test::Telemetry t;
  CountingStore backend;
  ASSERT_TRUE(backend.add(digest_user("erin")).ok());
  CachedSubscriberStore cache(t.metrics, backend, 50);
  ASSERT_FALSE(cache.find("erin@ims.local").value()->barred);
  ASSERT_TRUE(backend.set_barred("erin@ims.local", true).ok());  // another process, in effect
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  EXPECT_TRUE(cache.find("erin@ims.local").value()->barred);
}

TEST(SubscriberCache, StampedRecordsOutliveTheRefreshWhileNothingChanges) {
  test::Telemetry t;
  CountingStore backend;
  backend.stamped = true;
  ASSERT_TRUE(backend.add(digest_user("ivy")).ok());
  CachedSubscriberStore cache(t.metrics, backend, 20);
  EXPECT_TRUE(cache.follows_change_stamp());
  ASSERT_TRUE(cache.find("ivy@ims.local").value().has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(70));  // several refresh periods
  ASSERT_TRUE(cache.find("ivy@ims.local").value().has_value());
  ASSERT_TRUE(cache.find_by_impu("sip:ivy@ims.local").value().has_value());
  EXPECT_EQ(backend.reads, 1) << "an unchanged record was read again";
}

TEST(SubscriberCache, StampedChangesMadeElsewhereAreSeen) {
  test::Telemetry t;
  CountingStore backend;
  backend.stamped = true;
  ASSERT_TRUE(backend.add(digest_user("jay")).ok());
  CachedSubscriberStore cache(t.metrics, backend, 20);
  ASSERT_FALSE(cache.find("jay@ims.local").value()->barred);
  ASSERT_TRUE(backend.set_barred("jay@ims.local", true).ok());  // another process, in effect
  EXPECT_TRUE(eventually_seen(cache, "jay@ims.local", [](const auto& s) { return s && s->barred; }));
  ASSERT_TRUE(backend.remove("jay@ims.local").ok());
  EXPECT_TRUE(eventually_seen(cache, "jay@ims.local", [](const auto& s) { return !s.has_value(); }));
}

TEST(SubscriberCache, AStampThatCannotBeReadCountsAsAChange) {
  test::Telemetry t;
  CountingStore backend;
  backend.stamped = true;
  ASSERT_TRUE(backend.add(digest_user("kim")).ok());
  CachedSubscriberStore cache(t.metrics, backend, 20);
  ASSERT_TRUE(cache.find("kim@ims.local").ok());
  backend.stamp_failing = true;
  ASSERT_TRUE(backend.set_barred("kim@ims.local", true).ok());
  EXPECT_TRUE(eventually_seen(cache, "kim@ims.local", [](const auto& s) { return s && s->barred; }));
}

TEST(SubscriberCache, OverSqliteABarringByAnotherConnectionIsSeen) {
  test::Telemetry t;
  char tmpl[] = "/tmp/imsguard-cache-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string path = std::string(tmpl) + "/imsguard.db";
  {
    auto server = store::SqliteSubscriberStore::open(path);
    auto cli = store::SqliteSubscriberStore::open(path);  // `imsguard subscriber bar` elsewhere
    ASSERT_TRUE(server.ok() && cli.ok());
    ASSERT_TRUE(cli.value()->add(aka_user("lou")).ok());
    CachedSubscriberStore cache(t.metrics, *server.value(), 20);
    EXPECT_TRUE(cache.follows_change_stamp());
    ASSERT_FALSE(cache.find("lou@ims.local").value()->barred);
    ASSERT_TRUE(cli.value()->set_barred("lou@ims.local", true).ok());
    EXPECT_TRUE(eventually_seen(cache, "lou@ims.local", [](const auto& s) { return s && s->barred; }));
    // An SQN reservation (every AKA challenge) does not empty the cache.
    uint64_t misses = cache.misses();
    ASSERT_TRUE(cli.value()->reserve_sqn("lou@ims.local", [](uint64_t c) { return c + 32; }).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    ASSERT_TRUE(cache.find("lou@ims.local").ok());
    EXPECT_EQ(cache.misses(), misses);
  }
  std::filesystem::remove_all(tmpl);
}

TEST(SubscriberCache, ZeroTtlReadsTheStoreEveryTime) {
  test::Telemetry t;
  CountingStore backend;
  ASSERT_TRUE(backend.add(digest_user("fay")).ok());
  CachedSubscriberStore cache(t.metrics, backend, 0);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(cache.find("fay@ims.local").ok());
  EXPECT_EQ(backend.reads, 4);
}

TEST(SubscriberCache, BackendErrorsAreNotCached) {
  test::Telemetry t;
  CountingStore backend;
  ASSERT_TRUE(backend.add(digest_user("gus")).ok());
  CachedSubscriberStore cache(t.metrics, backend, 60000);
  backend.failing = true;
  EXPECT_FALSE(cache.find("gus@ims.local").ok());
  backend.failing = false;
  auto r = cache.find("gus@ims.local");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.value().has_value());
}

TEST(SubscriberCache, ReservedSqnIsVisibleInTheCachedRecord) {
  test::Telemetry t;
  CountingStore backend;
  ASSERT_TRUE(backend.add(aka_user("hank")).ok());
  CachedSubscriberStore cache(t.metrics, backend, 60000);
  uint64_t before = cache.find("hank@ims.local").value()->sqn;
  auto reserved = cache.reserve_sqn("hank@ims.local", [](uint64_t cur) { return cur + 32; });
  ASSERT_TRUE(reserved.ok()) << reserved.message();
  EXPECT_EQ(reserved.value(), before + 32);
  EXPECT_EQ(cache.find("hank@ims.local").value()->sqn, before + 32);
  EXPECT_EQ(cache.find_by_impu("sip:hank@ims.local").value()->sqn, before + 32);
  // A resync may move SQN back: the cache must not keep the higher value.
  ASSERT_TRUE(cache.set_sqn("hank@ims.local", 5).ok());
  EXPECT_EQ(cache.find("hank@ims.local").value()->sqn, 5u);
}

TEST(SubscriberCache, SharedLookupsHandOutTheCachedRecordWithoutCopying) {
  test::Telemetry t;
  CountingStore backend;
  ASSERT_TRUE(backend.add(digest_user("ivy")).ok());
  CachedSubscriberStore cache(t.metrics, backend, 60000);
  auto first = cache.find_shared_by_impu("sip:ivy@ims.local");
  ASSERT_TRUE(first.ok() && first.value());
  auto again = cache.find_shared("ivy@ims.local");
  ASSERT_TRUE(again.ok() && again.value());
  EXPECT_EQ(first.value().get(), again.value().get());  // one record, shared by both names
  EXPECT_EQ(backend.reads, 1);
  auto unknown = cache.find_shared("nobody@ims.local");
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown.value(), nullptr);
}

TEST(SubscriberCache, AReservedSqnReplacesTheSharedRecordAndLeavesHandedOutCopiesAlone) {
  test::Telemetry t;
  CountingStore backend;
  ASSERT_TRUE(backend.add(aka_user("jack")).ok());
  CachedSubscriberStore cache(t.metrics, backend, 60000);
  store::SharedSubscriber held = cache.find_shared("jack@ims.local").value();
  ASSERT_TRUE(held);
  uint64_t before = held->sqn;
  ASSERT_TRUE(cache.reserve_sqn("jack@ims.local", [](uint64_t cur) { return cur + 32; }).ok());
  EXPECT_EQ(held->sqn, before);  // a reader in flight keeps a consistent record
  EXPECT_EQ(cache.find_shared("jack@ims.local").value()->sqn, before + 32);
  EXPECT_EQ(cache.find_shared_by_impu("sip:jack@ims.local").value()->sqn, before + 32);
  EXPECT_EQ(backend.reads, 1);  // updated in the cache, not read again
}

TEST(SubscriberCache, TheDefaultSharedLookupOfAStoreCopiesItsRecord) {
  test::Telemetry t;
  store::MemorySubscriberStore plain;
  ASSERT_TRUE(plain.add(digest_user("kate")).ok());
  auto shared = plain.find_shared_by_impu("sip:kate@ims.local");
  ASSERT_TRUE(shared.ok() && shared.value());
  EXPECT_EQ(shared.value()->impi, "kate@ims.local");
  auto missing = plain.find_shared("nobody@ims.local");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing.value(), nullptr);
}

}  // namespace
