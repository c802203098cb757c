// The BindingStore contract, run against every backend.
#include <gtest/gtest.h>

#include "backends.h"
#include "../support/test_telemetry.h"
#include "store/binding_store.h"
#include "store/state.h"
#include "temp_dir.h"

namespace imsguard::store {
namespace {

using testing::Backends;
using testing::BackendNames;
using testing::TempDir;

constexpr int64_t kNow = 1'800'000'000;

Binding binding(const std::string& aor, const std::string& contact, int64_t expires_at,
                const std::string& source = "127.0.0.1:5070", const std::string& transport = "udp",
                const std::string& flow = "") {
  Binding b;
  b.aor = aor;
  b.contact = contact;
  b.impi = "alice@ims.local";
  b.transport = transport;
  b.source = source;
  b.flow_id = flow;
  b.call_id = "call-" + contact;
  b.cseq = 7;
  b.expires_at = expires_at;
  b.path = "<sip:edge1.ims.local;lr>";
  return b;
}

template <typename Backend>
class BindingStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto state = open_state(Backend::kKind, dir_.path(), telemetry_.metrics, telemetry_.events);
    ASSERT_TRUE(state.ok()) << state.message();
    stores_ = std::move(state).value();
    store_ = stores_.bindings.get();
  }

  TempDir dir_;
  test::Telemetry telemetry_;  // outlives the stores
  StateStores stores_;
  BindingStore* store_ = nullptr;
};

TYPED_TEST_SUITE(BindingStoreTest, Backends, BackendNames);

TYPED_TEST(BindingStoreTest, UpsertAndLookupRoundTrip) {
  Binding a = binding("sip:alice@ims.local", "sip:alice@127.0.0.1:5070", kNow + 600);
  ASSERT_TRUE(this->store_->upsert(a).ok());
  auto found = this->store_->lookup("sip:alice@ims.local", kNow);
  ASSERT_TRUE(found.ok()) << found.message();
  ASSERT_EQ(found.value().size(), 1u);
  EXPECT_EQ(found.value()[0], a);
  EXPECT_TRUE(this->store_->lookup("sip:bob@ims.local", kNow).value().empty());
}

TYPED_TEST(BindingStoreTest, ExpiredBindingsAreNeverReturned) {
  ASSERT_TRUE(this->store_->upsert(binding("sip:alice@ims.local", "sip:a@127.0.0.1:1", kNow + 10)).ok());
  ASSERT_TRUE(this->store_->upsert(binding("sip:alice@ims.local", "sip:a@127.0.0.1:2", kNow + 100)).ok());
  EXPECT_EQ(this->store_->lookup("sip:alice@ims.local", kNow).value().size(), 2u);
  auto later = this->store_->lookup("sip:alice@ims.local", kNow + 10).value();  // expires_at == now: gone
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].contact, "sip:a@127.0.0.1:2");
  EXPECT_EQ(this->store_->list(kNow + 10).value().size(), 1u);
  EXPECT_TRUE(this->store_->find_by_flow("udp", "127.0.0.1:5070", "", kNow + 100).value().empty());
}

TYPED_TEST(BindingStoreTest, UpsertReplacesSameContact) {
  ASSERT_TRUE(this->store_->upsert(binding("sip:alice@ims.local", "sip:a@h", kNow + 10, "127.0.0.1:1")).ok());
  Binding moved = binding("sip:alice@ims.local", "sip:a@h", kNow + 500, "127.0.0.1:2", "tcp", "conn-9");
  moved.cseq = 8;
  ASSERT_TRUE(this->store_->upsert(moved).ok());
  auto found = this->store_->lookup("sip:alice@ims.local", kNow).value();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0], moved);
  EXPECT_TRUE(this->store_->find_by_flow("udp", "127.0.0.1:1", "", kNow).value().empty());
  EXPECT_EQ(this->store_->find_by_flow("tcp", "127.0.0.1:2", "conn-9", kNow).value().size(), 1u);
}

TYPED_TEST(BindingStoreTest, ARefreshOverTheSameFlowKeepsEveryIndexCurrent) {
  ASSERT_TRUE(this->store_->upsert(binding("sip:alice@ims.local", "sip:a@h", kNow + 10)).ok());
  ASSERT_TRUE(this->store_->upsert(binding("sip:bob@ims.local", "sip:b@h", kNow + 10)).ok());
  Binding refreshed = binding("sip:alice@ims.local", "sip:a@h", kNow + 900);
  refreshed.call_id = "a-much-longer-call-id-than-the-first-one@client.example.org";
  refreshed.cseq = 9;
  ASSERT_TRUE(this->store_->upsert(refreshed).ok());
  auto found = this->store_->lookup("sip:alice@ims.local", kNow + 100).value();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0], refreshed);
  auto flow = this->store_->find_by_flow("udp", "127.0.0.1:5070", "", kNow).value();
  ASSERT_EQ(flow.size(), 2u);
  EXPECT_EQ(flow[0], refreshed);
  EXPECT_EQ(flow[1].aor, "sip:bob@ims.local");
  // Only bob's expired: alice's refresh outlives it, over the same flow.
  EXPECT_EQ(this->store_->purge_expired(kNow + 10).value(), 1u);
  EXPECT_EQ(this->store_->find_by_flow("udp", "127.0.0.1:5070", "", kNow + 100).value().size(), 1u);
  EXPECT_TRUE(this->store_->remove("sip:alice@ims.local", "sip:a@h").value());
  EXPECT_TRUE(this->store_->find_by_flow("udp", "127.0.0.1:5070", "", kNow).value().empty());
}

TYPED_TEST(BindingStoreTest, FindByFlowMatchesExactly) {
  ASSERT_TRUE(this->store_->upsert(binding("sip:alice@ims.local", "sip:a@h", kNow + 60, "127.0.0.1:5", "tls", "c1")).ok());
  ASSERT_TRUE(this->store_->upsert(binding("sip:+1555@ims.local", "sip:a@h", kNow + 60, "127.0.0.1:5", "tls", "c1")).ok());
  ASSERT_TRUE(this->store_->upsert(binding("sip:bob@ims.local", "sip:b@h", kNow + 60, "127.0.0.1:5", "tls", "c2")).ok());
  auto flow = this->store_->find_by_flow("tls", "127.0.0.1:5", "c1", kNow).value();
  ASSERT_EQ(flow.size(), 2u);
  EXPECT_EQ(flow[0].aor, "sip:+1555@ims.local");
  EXPECT_EQ(flow[1].aor, "sip:alice@ims.local");
  EXPECT_TRUE(this->store_->find_by_flow("tcp", "127.0.0.1:5", "c1", kNow).value().empty());
  EXPECT_TRUE(this->store_->find_by_flow("tls", "127.0.0.1:6", "c1", kNow).value().empty());
  EXPECT_EQ(this->store_->find_by_flow("tls", "127.0.0.1:5", "c2", kNow).value().size(), 1u);
}

TYPED_TEST(BindingStoreTest, RemoveAndRemoveAll) {
  ASSERT_TRUE(this->store_->upsert(binding("sip:alice@ims.local", "sip:a@1", kNow + 60)).ok());
  ASSERT_TRUE(this->store_->upsert(binding("sip:alice@ims.local", "sip:a@2", kNow + 60)).ok());
  ASSERT_TRUE(this->store_->upsert(binding("sip:alice@ims.local", "sip:a@3", kNow + 60)).ok());
  ASSERT_TRUE(this->store_->upsert(binding("sip:bob@ims.local", "sip:b@1", kNow + 60)).ok());
  EXPECT_TRUE(this->store_->remove("sip:alice@ims.local", "sip:a@1").value());
  EXPECT_FALSE(this->store_->remove("sip:alice@ims.local", "sip:a@1").value());
  EXPECT_EQ(this->store_->remove_all("sip:alice@ims.local").value(), 2u);
  EXPECT_TRUE(this->store_->lookup("sip:alice@ims.local", kNow).value().empty());
  EXPECT_EQ(this->store_->lookup("sip:bob@ims.local", kNow).value().size(), 1u);
  EXPECT_TRUE(this->store_->find_by_flow("udp", "127.0.0.1:5070", "", kNow).value().size() == 1u);
}

TYPED_TEST(BindingStoreTest, PurgeExpiredRemovesOnlyExpired) {
  ASSERT_TRUE(this->store_->upsert(binding("sip:alice@ims.local", "sip:a@1", kNow - 1)).ok());
  ASSERT_TRUE(this->store_->upsert(binding("sip:alice@ims.local", "sip:a@2", kNow)).ok());
  ASSERT_TRUE(this->store_->upsert(binding("sip:bob@ims.local", "sip:b@1", kNow + 1)).ok());
  EXPECT_EQ(this->store_->purge_expired(kNow).value(), 2u);
  auto left = this->store_->list(kNow - 100).value();  // even with an early clock, only bob remains
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].aor, "sip:bob@ims.local");
  EXPECT_EQ(this->store_->purge_expired(kNow).value(), 0u);
}

TYPED_TEST(BindingStoreTest, PurgeExpiredOfOneAorLeavesTheOthers) {
  // The registrar's purge before it adds a Contact (issue 17 F3): only that AoR's expired rows.
  ASSERT_TRUE(this->store_->upsert(binding("sip:alice@ims.local", "sip:a@1", kNow - 1)).ok());
  ASSERT_TRUE(this->store_->upsert(binding("sip:alice@ims.local", "sip:a@2", kNow)).ok());
  ASSERT_TRUE(this->store_->upsert(binding("sip:alice@ims.local", "sip:a@3", kNow + 1)).ok());
  ASSERT_TRUE(this->store_->upsert(binding("sip:bob@ims.local", "sip:b@1", kNow - 1)).ok());
  EXPECT_EQ(this->store_->purge_expired_of("sip:alice@ims.local", kNow).value(), 2u);
  auto left = this->store_->list(0).value();  // every row still stored
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].contact, "sip:a@3");
  EXPECT_EQ(left[1].contact, "sip:b@1");
  EXPECT_TRUE(this->store_->find_by_flow("udp", "127.0.0.1:5070", "", kNow - 10).value().size() == 2u);
  EXPECT_EQ(this->store_->purge_expired_of("sip:alice@ims.local", kNow).value(), 0u);
}

TYPED_TEST(BindingStoreTest, RejectsBindingWithoutKey) {
  Binding b = binding("", "sip:a@1", kNow + 60);
  auto r = this->store_->upsert(b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), StoreErrc::kInvalid);
  b = binding("sip:alice@ims.local", "", kNow + 60);
  EXPECT_FALSE(this->store_->upsert(b).ok());
  EXPECT_TRUE(this->store_->list(0).value().empty());
}

}  // namespace
}  // namespace imsguard::store
