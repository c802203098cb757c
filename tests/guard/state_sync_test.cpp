// StateSync: bans written to the state store and restored at start (what makes a ban survive
// a restart), lifted bans deleted, TTLs kept across the clock change (monotonic in memory,
// wall clock in the store), and, with a shared store, other edges' bans and lockouts applied
// here and brute-force failures counted across edges.
#include "guard/state_sync.h"
#include "../support/test_telemetry.h"

#include "helpers.h"
#include "store/memory_guard_store.h"
#include "store/state.h"

#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>

namespace imsguard::guard {
namespace {

using namespace testing;  // the shared fixture of helpers.h

Address addr(const char* s) { return Address::from(asio::ip::make_address(s)); }

// A shared store without Redis: bans in memory, counters added up, and what "another edge"
// did queued in `incoming` for the next changes() call.
class FakeSharedStore final : public store::GuardStateStore {
 public:
  store::StoreResult<void> put_ban(const store::BanRecord& b) override { return bans.put_ban(b); }
  store::StoreResult<bool> remove_ban(std::string_view t, uint16_t p) override { return bans.remove_ban(t, p); }
  store::StoreResult<std::vector<store::BanRecord>> live_bans(int64_t now) override { return bans.live_bans(now); }
  store::StoreResult<std::size_t> purge_expired_bans(int64_t now) override { return bans.purge_expired_bans(now); }
  bool shared() const override { return true; }
  store::StoreResult<store::GuardChanges> changes(std::string& cursor, int64_t) override {
    if (down) return store::unavailable("down");
    store::GuardChanges out = std::move(incoming);
    incoming = {};
    out.reset = cursor.empty();
    cursor = "1";
    return out;
  }
  uint64_t generation() const override { return generation_; }
  // Called from the sync thread (counts and lockouts are queued by the guard).
  store::StoreResult<uint64_t> add_count(std::string_view key, int64_t) override {
    std::lock_guard lock(mutex);
    if (down) return store::unavailable("down");
    return ++counts[std::string(key)];
  }
  store::StoreResult<void> put_lock(const store::LockRecord& l) override {
    std::lock_guard lock(mutex);
    locks.push_back(l);
    return {};
  }

  std::mutex mutex;
  store::MemoryGuardStore bans;
  store::GuardChanges incoming;
  std::map<std::string, uint64_t> counts;
  std::vector<store::LockRecord> locks;
  std::atomic<bool> down{false};
  uint64_t generation_ = 0;
};

config::BruteForceGuard limits() { return brute_force_limits(5, 4, 100); }

TEST(StateSync, BansAreWrittenWithWallClockExpiryAndRestoredByANewProcess) {
  test::Telemetry t;
  store::MemoryGuardStore stored;
  const int64_t mono = steady_now_ms();
  {
    BanList bans;
    StateSync sync(bans, nullptr, stored, t.metrics);
    ASSERT_TRUE(sync.start().ok());
    bans.ban(*parse_prefix("192.0.2.7"), 0, 600, "svmap fingerprint", "scanner", true, mono);
    bans.ban(*parse_prefix("198.51.100.0/24"), 0, 3600, "operator", "admin", false, mono);
    EXPECT_TRUE(sync.sync_once());
    auto live = stored.live_bans(StateSync::wall_ms());
    ASSERT_TRUE(live.ok());
    ASSERT_EQ(live.value().size(), 2u);
    for (const auto& b : live.value()) {
      int64_t ttl_ms = b.expires_ms - StateSync::wall_ms();
      EXPECT_GT(ttl_ms, (b.by == "admin" ? 3600 : 600) * 1000 - 60'000) << b.target;
      EXPECT_LE(ttl_ms, (b.by == "admin" ? 3600 : 600) * 1000) << b.target;
    }
  }
  // "Restart": a new table, the same store.
  BanList bans;
  StateSync sync(bans, nullptr, stored, t.metrics);
  ASSERT_TRUE(sync.start().ok());
  const int64_t now = steady_now_ms();
  EXPECT_TRUE(bans.banned(addr("192.0.2.7"), 5060, false, now));
  EXPECT_TRUE(bans.banned(addr("198.51.100.20"), 5060, true, now));  // an operator's ban spares nobody
  EXPECT_FALSE(bans.banned(addr("192.0.2.7"), 5060, true, now));     // an automatic one spares registered flows
  auto list = bans.list(now);
  ASSERT_EQ(list.size(), 2u);
  for (const auto& b : list) {
    EXPECT_EQ(b.by == "admin" ? "operator" : "svmap fingerprint", b.reason);
    EXPECT_EQ(b.automatic, b.by != "admin");
    EXPECT_LE(b.expires_ms - now, (b.by == "admin" ? 3600 : 600) * 1000);
  }
  // The TTL still runs: past it, the restored ban is gone.
  EXPECT_FALSE(bans.banned(addr("192.0.2.7"), 5060, false, now + 601'000));
}

TEST(StateSync, ExpiredBansAreNotRestoredAndLiftedBansAreDeleted) {
  test::Telemetry t;
  store::MemoryGuardStore stored;
  const int64_t wall = StateSync::wall_ms();
  ASSERT_TRUE(stored.put_ban({"192.0.2.1", 0, "old", "flood", wall - 10'000, wall - 1, true}).ok());
  ASSERT_TRUE(stored.put_ban({"192.0.2.2", 0, "live", "flood", wall - 10'000, wall + 60'000, true}).ok());
  BanList bans;
  StateSync sync(bans, nullptr, stored, t.metrics);
  ASSERT_TRUE(sync.start().ok());
  EXPECT_EQ(bans.size(), 1u);
  EXPECT_TRUE(bans.remove(*parse_prefix("192.0.2.2")));
  EXPECT_TRUE(sync.sync_once());
  EXPECT_TRUE(stored.live_bans(wall).value().empty());
}

TEST(StateSync, StopWritesWhatIsQueued) {
  test::Telemetry t;
  store::MemoryGuardStore stored;
  BanList bans;
  {
    StateSyncOptions slow;
    slow.poll_ms = 60'000;  // the thread would not get to it
    StateSync sync(bans, nullptr, stored, t.metrics, nullptr, slow);
    ASSERT_TRUE(sync.start().ok());
    bans.ban(*parse_prefix("203.0.113.5"), 5070, 60, "flow flood", "flood", true, steady_now_ms());
    EXPECT_EQ(sync.pending(), 1u);
    sync.stop();
  }
  auto live = stored.live_bans(StateSync::wall_ms());
  ASSERT_EQ(live.value().size(), 1u);
  EXPECT_EQ(live.value()[0].target, "203.0.113.5");
  EXPECT_EQ(live.value()[0].port, 5070);
  // After stop the table no longer reports to the store.
  bans.ban(*parse_prefix("203.0.113.6"), 0, 60, "x", "flood", true, steady_now_ms());
  EXPECT_EQ(stored.live_bans(StateSync::wall_ms()).value().size(), 1u);
}

TEST(StateSync, SqliteStateKeepsBansAcrossProcesses) {
  test::Telemetry telemetry;  // the Redis client of a redis:// state reports into it
  test::Telemetry t;
  std::string dir = (std::filesystem::temp_directory_path() / "imsguard-sync-XXXXXX").string();
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  {
    auto state = store::open_state("sqlite", dir, telemetry.metrics, telemetry.events);
    ASSERT_TRUE(state.ok()) << state.message();
    BanList bans;
    StateSync sync(bans, nullptr, *state.value().guard, t.metrics);
    ASSERT_TRUE(sync.start().ok());
    bans.ban(*parse_prefix("2001:db8::1"), 0, 300, "scanner sweep", "scanner", true, steady_now_ms());
    sync.stop();
  }
  auto state = store::open_state("sqlite", dir, telemetry.metrics, telemetry.events);
  ASSERT_TRUE(state.ok()) << state.message();
  BanList bans;
  StateSync sync(bans, nullptr, *state.value().guard, t.metrics);
  ASSERT_TRUE(sync.start().ok());
  EXPECT_TRUE(bans.banned(addr("2001:db8::1"), 1, false, steady_now_ms()));
  std::filesystem::remove_all(dir);
}

// One edge of a domain as app::Node builds it on a shared store: the brute-force guard
// counts into the failure queue its state sync drains.
struct SharedEdge {
  test::Telemetry t;
  FakeSharedStore shared;
  BanList bans;
  FailureQueue failures;
  BruteForceGuard bf{limits(), t.metrics, t.events, &failures};
  StateSync sync{bans, &bf, shared, t.metrics, &failures};
};

TEST(StateSync, OtherEdgesBansUnbansAndLockoutsAreApplied) {
  test::Telemetry t;
  SharedEdge edge;
  auto& [telemetry, shared, bans, failures, bf, sync] = edge;
  ASSERT_TRUE(sync.start().ok());
  const int64_t wall = StateSync::wall_ms();
  shared.incoming.bans.push_back({"192.0.2.50", 0, "flood elsewhere", "flood", wall, wall + 60'000, true});
  shared.incoming.locks.push_back({"impi:alice@ims.local", wall + 30'000});
  shared.incoming.locks.push_back({"src:192.0.2.60", wall + 30'000});
  shared.incoming.locks.push_back({"bogus", wall + 30'000});
  sync.sync_once();
  const int64_t now = steady_now_ms();
  EXPECT_TRUE(bans.banned(addr("192.0.2.50"), 1, false, now));
  EXPECT_GT(bf.impi_locked_ms("alice@ims.local", now), 0);
  EXPECT_EQ(attempt(bf, flow("192.0.2.99"), "alice", now).action, Action::kReject);
  EXPECT_EQ(attempt(bf, flow("192.0.2.60"), "bob", now).action, Action::kDrop);
  // Applying another edge's ban does not write it back (no echo).
  EXPECT_EQ(sync.pending(), 0u);
  shared.incoming.unbans.push_back({"192.0.2.50", 0});
  sync.sync_once();
  EXPECT_FALSE(bans.banned(addr("192.0.2.50"), 1, false, steady_now_ms()));
}

TEST(StateSync, BruteForceSplitAcrossEdgesIsCountedOnceAndPublished) {
  test::Telemetry t;
  SharedEdge edge;
  auto& [telemetry, shared, bans, failures, bf, sync] = edge;
  // Two failures were made on another edge against alice.
  shared.counts["impi:alice@ims.local"] = 2;
  ASSERT_TRUE(sync.start().ok());
  const int64_t now = steady_now_ms();
  // A failure is only queued on the worker; the sync thread (or this round) counts it.
  fail(bf, flow("192.0.2.1"), "alice", now);
  sync.sync_once();
  EXPECT_EQ(bf.impi_locked_ms("alice@ims.local", now), 0);  // 3 of 4 in all
  fail(bf, flow("192.0.2.2"), "alice", now);                // the 4th (2 here: under the threshold alone)...
  sync.sync_once();                                          // ...counted in the store: locked here...
  EXPECT_GT(bf.impi_locked_ms("alice@ims.local", now), 0);
  ASSERT_EQ(shared.locks.size(), 1u);                        // ...and published for the others
  EXPECT_EQ(shared.locks[0].key, "impi:alice@ims.local");
  EXPECT_GT(shared.locks[0].until_ms, StateSync::wall_ms());
  EXPECT_EQ(shared.counts["src:192.0.2.1"], 1u);
}

TEST(StateSync, SharedStoreDownLeavesLocalCountingAndRepublishesBansWhenBack) {
  test::Telemetry t;
  SharedEdge edge;
  auto& [telemetry, shared, bans, failures, bf, sync] = edge;
  ASSERT_TRUE(sync.start().ok());
  shared.down = true;
  const int64_t now = steady_now_ms();
  for (int i = 0; i < 3; ++i) fail(bf, flow("192.0.2.1"), "carol", now);
  EXPECT_EQ(bf.impi_locked_ms("carol@ims.local", now), 0);
  fail(bf, flow("192.0.2.1"), "carol", now);  // the local count alone reaches the threshold
  EXPECT_GT(bf.impi_locked_ms("carol@ims.local", now), 0);
  shared.down = false;
  bans.ban(*parse_prefix("192.0.2.77"), 0, 600, "x", "scanner", true, now);
  sync.sync_once();
  ASSERT_EQ(shared.live_bans(StateSync::wall_ms()).value().size(), 1u);
  // The shared store restarted empty and the connection came back: every local ban is
  // published again.
  ASSERT_TRUE(shared.remove_ban("192.0.2.77", 0).value());
  shared.generation_ = 1;
  sync.sync_once();
  auto live = shared.live_bans(StateSync::wall_ms());
  ASSERT_EQ(live.value().size(), 1u);
  EXPECT_EQ(live.value()[0].target, "192.0.2.77");
}

}  // namespace
}  // namespace imsguard::guard
