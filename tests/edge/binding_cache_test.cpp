// The write-behind binding store: reads are answered from memory at once, every change
// reaches the durable store in order (after flush and at destruction), existing bindings are
// loaded at start, and a durable store that refuses writes is counted, not fatal.
#include "edge/binding_cache.h"
#include "../support/test_telemetry.h"
#include "store/memory_binding_store.h"
#include "store/state.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <thread>

using namespace imsguard;
using namespace imsguard::edge;

namespace {

store::Binding binding(const std::string& aor, const std::string& contact, int64_t expires_at = 4102444800) {
  store::Binding b;
  b.aor = aor;
  b.contact = contact;
  b.impi = "alice@ims.local";
  b.transport = "udp";
  b.source = "127.0.0.1:5062";
  b.expires_at = expires_at;
  return b;
}

constexpr int64_t kNow = 1800000000;

// A memory store that counts the rows its purges removed.
class PurgeCountingStore final : public store::BindingStore {
 public:
  store::MemoryBindingStore inner;
  std::atomic<size_t> purged{0};

  store::StoreResult<void> upsert(const store::Binding& b) override { return inner.upsert(b); }
  store::StoreResult<bool> remove(std::string_view aor, std::string_view contact) override {
    return inner.remove(aor, contact);
  }
  store::StoreResult<std::size_t> remove_all(std::string_view aor) override { return inner.remove_all(aor); }
  store::StoreResult<std::vector<store::Binding>> lookup(std::string_view aor, int64_t now) override {
    return inner.lookup(aor, now);
  }
  store::StoreResult<std::vector<store::Binding>> find_by_flow(std::string_view t, std::string_view s,
                                                               std::string_view f, int64_t now) override {
    return inner.find_by_flow(t, s, f, now);
  }
  store::StoreResult<std::size_t> purge_expired(int64_t now) override {
    auto r = inner.purge_expired(now);
    if (r.ok()) purged += r.value();
    return r;
  }
  store::StoreResult<std::size_t> purge_expired_of(std::string_view aor, int64_t now) override {
    auto r = inner.purge_expired_of(aor, now);
    if (r.ok()) purged += r.value();
    return r;
  }
  store::StoreResult<std::vector<store::Binding>> list(int64_t now) override { return inner.list(now); }
};

TEST(WriteBehindBindingStore, ReadsSeeWritesAtOnceAndTheDurableStoreAfterAFlush) {
  test::Telemetry t;
  store::MemoryBindingStore durable;
  auto created = WriteBehindBindingStore::create(t.metrics, t.events, durable, 1000);
  ASSERT_TRUE(created.ok()) << created.message();
  auto& cache = **created;
  ASSERT_TRUE(cache.upsert(binding("sip:alice@ims.local", "sip:alice@10.0.0.1")).ok());
  EXPECT_EQ(cache.lookup("sip:alice@ims.local", kNow).value().size(), 1u);
  cache.flush();
  EXPECT_EQ(durable.lookup("sip:alice@ims.local", kNow).value().size(), 1u);
}

TEST(WriteBehindBindingStore, ChangesReachTheDurableStoreInOrder) {
  test::Telemetry t;
  store::MemoryBindingStore durable;
  {
    auto created = WriteBehindBindingStore::create(t.metrics, t.events, durable, 5);
    ASSERT_TRUE(created.ok()) << created.message();
    auto& cache = **created;
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(cache.upsert(binding("sip:a@ims.local", "sip:a@10.0.0." + std::to_string(i))).ok());
      if (i % 2) {
        ASSERT_TRUE(cache.remove("sip:a@ims.local", "sip:a@10.0.0." + std::to_string(i)).ok());
      }
    }
    ASSERT_TRUE(cache.upsert(binding("sip:b@ims.local", "sip:b@10.0.0.1")).ok());
    ASSERT_TRUE(cache.remove_all("sip:b@ims.local").ok());
    ASSERT_TRUE(cache.upsert(binding("sip:b@ims.local", "sip:b@10.0.0.2")).ok());
  }  // destruction writes everything
  EXPECT_EQ(durable.lookup("sip:a@ims.local", kNow).value().size(), 25u);
  auto b = durable.lookup("sip:b@ims.local", kNow).value();
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].contact, "sip:b@10.0.0.2");
}

TEST(WriteBehindBindingStore, BindingsOfTheDurableStoreAreLoadedAtStart) {
  test::Telemetry t;
  store::MemoryBindingStore durable;
  ASSERT_TRUE(durable.upsert(binding("sip:c@ims.local", "sip:c@10.0.0.3")).ok());
  ASSERT_TRUE(durable.upsert(binding("sip:old@ims.local", "sip:old@10.0.0.4", kNow - 10)).ok());
  auto created = WriteBehindBindingStore::create(t.metrics, t.events, durable, 20);
  ASSERT_TRUE(created.ok()) << created.message();
  auto& cache = **created;
  auto flows = cache.find_by_flow("udp", "127.0.0.1:5062", "", kNow).value();
  EXPECT_EQ(flows.size(), 1u);  // only the live one
  EXPECT_EQ(cache.lookup("sip:c@ims.local", kNow).value().size(), 1u);
}

TEST(WriteBehindBindingStore, SqliteBindingsSurviveARestart) {
  test::Telemetry t;
  auto dir = std::filesystem::temp_directory_path() / ("imsguard-wb-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  {
    auto state = store::open_state("sqlite", dir.string(), t.metrics, t.events);
    ASSERT_TRUE(state.ok()) << state.message();
    auto created = WriteBehindBindingStore::create(t.metrics, t.events, *state.value().bindings, 20);
    ASSERT_TRUE(created.ok()) << created.message();
    auto& cache = **created;
    for (int i = 0; i < 200; ++i)
      ASSERT_TRUE(cache.upsert(binding("sip:u" + std::to_string(i) + "@ims.local", "sip:u@10.0.0.9")).ok());
  }
  auto state = store::open_state("sqlite", dir.string(), t.metrics, t.events);
  ASSERT_TRUE(state.ok()) << state.message();
  EXPECT_EQ(state.value().bindings->list(kNow).value().size(), 200u);
  std::filesystem::remove_all(dir);
}

// A durable store whose writes fail: the binding still serves from memory, the failure is counted.
class RefusingStore final : public store::BindingStore {
 public:
  store::StoreResult<void> upsert(const store::Binding&) override { return store::unavailable("disk full"); }
  store::StoreResult<bool> remove(std::string_view, std::string_view) override { return store::unavailable("disk full"); }
  store::StoreResult<std::size_t> remove_all(std::string_view) override { return store::unavailable("disk full"); }
  store::StoreResult<std::vector<store::Binding>> lookup(std::string_view, int64_t) override {
    return std::vector<store::Binding>{};
  }
  store::StoreResult<std::vector<store::Binding>> find_by_flow(std::string_view, std::string_view, std::string_view,
                                                               int64_t) override {
    return std::vector<store::Binding>{};
  }
  store::StoreResult<std::size_t> purge_expired(int64_t) override { return std::size_t{0}; }
  store::StoreResult<std::size_t> purge_expired_of(std::string_view, int64_t) override { return std::size_t{0}; }
  store::StoreResult<std::vector<store::Binding>> list(int64_t) override { return std::vector<store::Binding>{}; }
};

TEST(WriteBehindBindingStore, RefusedWritesAreCountedAndServedFromMemory) {
  test::Telemetry t;
  RefusingStore durable;
  auto created = WriteBehindBindingStore::create(t.metrics, t.events, durable, 1);
  ASSERT_TRUE(created.ok()) << created.message();
  auto& cache = **created;
  ASSERT_TRUE(cache.upsert(binding("sip:d@ims.local", "sip:d@10.0.0.5")).ok());
  cache.flush();
  EXPECT_EQ(cache.write_failures(), 1u);
  EXPECT_EQ(cache.lookup("sip:d@ims.local", kNow).value().size(), 1u);
}

// A durable store that cannot be read at start: nothing starts, and the store's code comes
// through (the node refuses to start with "state: cannot load bindings: ...").
class UnreadableStore final : public store::BindingStore {
 public:
  store::StoreResult<void> upsert(const store::Binding&) override { return store::unavailable("locked"); }
  store::StoreResult<bool> remove(std::string_view, std::string_view) override { return store::unavailable("locked"); }
  store::StoreResult<std::size_t> remove_all(std::string_view) override { return store::unavailable("locked"); }
  store::StoreResult<std::vector<store::Binding>> lookup(std::string_view, int64_t) override {
    return store::unavailable("locked");
  }
  store::StoreResult<std::vector<store::Binding>> find_by_flow(std::string_view, std::string_view, std::string_view,
                                                               int64_t) override {
    return store::unavailable("locked");
  }
  store::StoreResult<std::size_t> purge_expired(int64_t) override { return store::unavailable("locked"); }
  store::StoreResult<std::size_t> purge_expired_of(std::string_view, int64_t) override { return store::unavailable("locked"); }
  store::StoreResult<std::vector<store::Binding>> list(int64_t) override { return store::unavailable("database is locked"); }
};

TEST(WriteBehindBindingStore, AStoreThatCannotBeReadIsAnErrorWithItsCode) {
  test::Telemetry t;
  UnreadableStore durable;
  auto created = WriteBehindBindingStore::create(t.metrics, t.events, durable, 5);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.code(), Code::kUnavailable);
  EXPECT_EQ(created.message(), "cannot load bindings: database is locked");
}

TEST(WriteBehindBindingStore, ExpiredBindingsArePurgedFromMemoryAndTheDurableStore) {
  test::Telemetry t;
  PurgeCountingStore durable;
  auto created = WriteBehindBindingStore::create(t.metrics, t.events, durable, 5, /*purge_every_ms=*/50);
  ASSERT_TRUE(created.ok()) << created.message();
  auto& cache = **created;
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  ASSERT_TRUE(cache.upsert(binding("sip:old@ims.local", "sip:old@10.0.0.1", now - 10)).ok());
  ASSERT_TRUE(cache.upsert(binding("sip:new@ims.local", "sip:new@10.0.0.2", now + 600)).ok());
  EXPECT_EQ(cache.list(0).value().size(), 2u) << "held until purged (list(0) shows every row)";
  for (int i = 0; i < 200 && durable.purged.load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(durable.purged.load(), 1u);
  auto left = cache.list(0).value();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].aor, "sip:new@ims.local");
  cache.flush();
  EXPECT_EQ(durable.inner.list(0).value().size(), 1u);
  EXPECT_EQ(cache.lookup("sip:new@ims.local", now).value().size(), 1u);
}

}  // namespace
