// The registration path's subscriber cache: one store read serves a challenge and its answer
// (IMPU then IMPI), unknown users are cached too, writes through the cache apply at once,
// writes elsewhere within the TTL, SQN reservations keep the cached SQN current, and backend
// errors are never cached.
#include "edge/subscriber_cache.h"
#include "store/memory_subscriber_store.h"
#include "store/provisioning.h"

#include <gtest/gtest.h>

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
};

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
  CountingStore backend;
  ASSERT_TRUE(backend.add(digest_user("alice")).ok());
  CachedSubscriberStore cache(backend, 60000);
  auto by_impu = cache.find_by_impu("sip:alice@ims.local");
  ASSERT_TRUE(by_impu.ok() && by_impu.value());
  auto by_impi = cache.find("alice@ims.local");
  ASSERT_TRUE(by_impi.ok() && by_impi.value());
  EXPECT_EQ(by_impi.value()->impi, "alice@ims.local");
  EXPECT_EQ(backend.reads, 1);
  EXPECT_EQ(cache.hits(), 1u);
}

TEST(SubscriberCache, UnknownUsersAreCachedAndProvisioningEndsThat) {
  CountingStore backend;
  CachedSubscriberStore cache(backend, 60000);
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
  CountingStore backend;
  ASSERT_TRUE(backend.add(digest_user("dave")).ok());
  CachedSubscriberStore cache(backend, 60000);
  ASSERT_FALSE(cache.find("dave@ims.local").value()->barred);
  ASSERT_TRUE(cache.set_barred("dave@ims.local", true).ok());
  EXPECT_TRUE(cache.find("dave@ims.local").value()->barred);
}

TEST(SubscriberCache, ChangesMadeElsewhereAreSeenAfterTheTtl) {
  CountingStore backend;
  ASSERT_TRUE(backend.add(digest_user("erin")).ok());
  CachedSubscriberStore cache(backend, 50);
  ASSERT_FALSE(cache.find("erin@ims.local").value()->barred);
  ASSERT_TRUE(backend.set_barred("erin@ims.local", true).ok());  // another process, in effect
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  EXPECT_TRUE(cache.find("erin@ims.local").value()->barred);
}

TEST(SubscriberCache, ZeroTtlReadsTheStoreEveryTime) {
  CountingStore backend;
  ASSERT_TRUE(backend.add(digest_user("fay")).ok());
  CachedSubscriberStore cache(backend, 0);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(cache.find("fay@ims.local").ok());
  EXPECT_EQ(backend.reads, 4);
}

TEST(SubscriberCache, BackendErrorsAreNotCached) {
  CountingStore backend;
  ASSERT_TRUE(backend.add(digest_user("gus")).ok());
  CachedSubscriberStore cache(backend, 60000);
  backend.failing = true;
  EXPECT_FALSE(cache.find("gus@ims.local").ok());
  backend.failing = false;
  auto r = cache.find("gus@ims.local");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.value().has_value());
}

TEST(SubscriberCache, ReservedSqnIsVisibleInTheCachedRecord) {
  CountingStore backend;
  ASSERT_TRUE(backend.add(aka_user("hank")).ok());
  CachedSubscriberStore cache(backend, 60000);
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

}  // namespace
