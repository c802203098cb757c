// The GuardStateStore contract for the local backends (memory, SQLite), and what SQLite adds:
// bans survive closing and reopening the database.
#include <gtest/gtest.h>

#include <algorithm>

#include "backends.h"
#include "../support/test_telemetry.h"
#include "store/guard_store.h"
#include "store/sqlite_guard_store.h"
#include "store/state.h"
#include "temp_dir.h"

namespace imsguard::store {
namespace {

using testing::Backends;
using testing::BackendNames;
using testing::TempDir;

constexpr int64_t kNow = 1'800'000'000'000;

BanRecord ban(const std::string& target, uint16_t port, int64_t created, int64_t expires, bool automatic = true) {
  return BanRecord{target, port, "reason for " + target, automatic ? "flood" : "admin", created, expires, automatic};
}

template <typename Backend>
class GuardStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto state = open_state(Backend::kKind, dir_.path(), telemetry_.metrics, telemetry_.events);
    ASSERT_TRUE(state.ok()) << state.message();
    stores_ = std::move(state).value();
    ASSERT_NE(stores_.guard, nullptr);
    store_ = stores_.guard.get();
  }
  TempDir dir_;
  test::Telemetry telemetry_;  // outlives the stores
  StateStores stores_;
  GuardStateStore* store_ = nullptr;
};

TYPED_TEST_SUITE(GuardStoreTest, Backends, BackendNames);

TYPED_TEST(GuardStoreTest, LiveBansComeBackInCreationOrderWithEveryField) {
  BanRecord a = ban("192.0.2.7", 0, kNow - 10, kNow + 60'000, false);
  BanRecord b = ban("2001:db8::/64", 0, kNow - 20, kNow + 60'000);
  BanRecord c = ban("192.0.2.8", 5060, kNow - 5, kNow + 1);
  for (const auto& x : {a, b, c}) ASSERT_TRUE(this->store_->put_ban(x).ok());
  auto live = this->store_->live_bans(kNow);
  ASSERT_TRUE(live.ok()) << live.message();
  ASSERT_EQ(live.value().size(), 3u);
  EXPECT_EQ(live.value()[0], b);
  EXPECT_EQ(live.value()[1], a);
  EXPECT_EQ(live.value()[2], c);
}

TYPED_TEST(GuardStoreTest, ExpiredBansAreNotLiveAndArePurged) {
  ASSERT_TRUE(this->store_->put_ban(ban("192.0.2.1", 0, kNow - 100, kNow)).ok());        // expires now
  ASSERT_TRUE(this->store_->put_ban(ban("192.0.2.2", 0, kNow - 100, kNow + 1000)).ok());
  auto live = this->store_->live_bans(kNow);
  ASSERT_TRUE(live.ok());
  ASSERT_EQ(live.value().size(), 1u);
  EXPECT_EQ(live.value()[0].target, "192.0.2.2");
  auto purged = this->store_->purge_expired_bans(kNow);
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(purged.value(), 1u);
  EXPECT_EQ(this->store_->purge_expired_bans(kNow).value(), 0u);
  EXPECT_EQ(this->store_->live_bans(kNow - 1000).value().size(), 1u);  // the expired one is gone for good
}

TYPED_TEST(GuardStoreTest, PutReplacesAndRemoveDeletesOnlyThatFlowOrPrefix) {
  ASSERT_TRUE(this->store_->put_ban(ban("192.0.2.9", 0, kNow, kNow + 1000)).ok());
  ASSERT_TRUE(this->store_->put_ban(ban("192.0.2.9", 5070, kNow, kNow + 1000)).ok());
  BanRecord longer = ban("192.0.2.9", 0, kNow, kNow + 9000, false);
  longer.reason = "operator";
  ASSERT_TRUE(this->store_->put_ban(longer).ok());
  auto live = this->store_->live_bans(kNow);
  ASSERT_EQ(live.value().size(), 2u);
  EXPECT_TRUE(std::find(live.value().begin(), live.value().end(), longer) != live.value().end());
  auto removed = this->store_->remove_ban("192.0.2.9", 5070);
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(removed.value());
  EXPECT_FALSE(this->store_->remove_ban("192.0.2.9", 5070).value());
  live = this->store_->live_bans(kNow);
  ASSERT_EQ(live.value().size(), 1u);
  EXPECT_EQ(live.value()[0], longer);
}

TYPED_TEST(GuardStoreTest, EmptyTargetIsRefusedAndLocalBackendsShareNothing) {
  auto r = this->store_->put_ban(ban("", 0, kNow, kNow + 1));
  EXPECT_EQ(r.code(), StoreErrc::kInvalid);
  EXPECT_FALSE(this->store_->shared());
  EXPECT_EQ(this->store_->add_count("impi:a@b", 1000).code(), StoreErrc::kUnavailable);
  std::string cursor;
  auto changes = this->store_->changes(cursor, kNow);
  ASSERT_TRUE(changes.ok());
  EXPECT_TRUE(changes.value().bans.empty());
}

TEST(SqliteGuardStore, BansSurviveReopeningTheDatabase) {
  test::Telemetry telemetry;  // the Redis client of a redis:// state reports into it
  TempDir dir;
  BanRecord a = ban("198.51.100.0/24", 0, kNow, kNow + 3'600'000, false);
  {
    auto state = open_state("sqlite", dir.path(), telemetry.metrics, telemetry.events);
    ASSERT_TRUE(state.ok()) << state.message();
    ASSERT_TRUE(state.value().guard->put_ban(a).ok());
  }
  auto state = open_state("sqlite", dir.path(), telemetry.metrics, telemetry.events);
  ASSERT_TRUE(state.ok()) << state.message();
  auto live = state.value().guard->live_bans(kNow + 1000);
  ASSERT_TRUE(live.ok());
  ASSERT_EQ(live.value().size(), 1u);
  EXPECT_EQ(live.value()[0], a);
  // ... and its TTL still holds: an hour later it is gone.
  EXPECT_TRUE(state.value().guard->live_bans(kNow + 3'600'000).value().empty());
}

}  // namespace
}  // namespace imsguard::store
