// The SubscriberStore contract, run against every backend.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <thread>

#include "crypto/hash.h"
#include "../support/test_telemetry.h"
#include "store/state.h"
#include "store/subscriber_store.h"
#include "backends.h"
#include "temp_dir.h"

namespace imsguard::store {
namespace {

using testing::Backends;
using testing::BackendNames;
using testing::TempDir;

Subscriber digest_user(const std::string& name) {
  Subscriber s;
  s.impi = name + "@ims.local";
  s.impus = {"sip:" + name + "@ims.local", "tel:+1555" + std::to_string(name.size())};
  s.realm = "ims.local";
  s.scheme = AuthScheme::kDigest;
  s.ha1_md5 = crypto::digest_ha1(crypto::HashAlgorithm::kMd5, s.impi, s.realm, "secret-" + name);
  s.ha1_sha256 = crypto::digest_ha1(crypto::HashAlgorithm::kSha256, s.impi, s.realm, "secret-" + name);
  s.ha1_sha512_256 = crypto::digest_ha1(crypto::HashAlgorithm::kSha512_256, s.impi, s.realm, "secret-" + name);
  s.services = {"voice", "messaging"};
  return s;
}

Subscriber aka_user(const std::string& name) {
  Subscriber s;
  s.impi = name + "@ims.local";
  s.impus = {"sip:" + name + "@ims.local"};
  s.realm = "ims.local";
  s.scheme = AuthScheme::kAka;
  for (uint8_t i = 0; i < 16; ++i) {
    s.k[i] = static_cast<uint8_t>(0x46 + i);
    s.opc[i] = static_cast<uint8_t>(0xcd - i);
  }
  s.amf = {0x80, 0x00};
  s.sqn = 0x20;
  return s;
}

template <typename Backend>
class SubscriberStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto state = open_state(Backend::kKind, dir_.path(), telemetry_.metrics, telemetry_.events);
    ASSERT_TRUE(state.ok()) << state.message();
    stores_ = std::move(state).value();
    store_ = stores_.subscribers.get();
  }

  TempDir dir_;
  test::Telemetry telemetry_;  // outlives the stores
  StateStores stores_;
  SubscriberStore* store_ = nullptr;
};

TYPED_TEST_SUITE(SubscriberStoreTest, Backends, BackendNames);

TYPED_TEST(SubscriberStoreTest, DigestSubscriberRoundTrips) {
  Subscriber alice = digest_user("alice");
  ASSERT_TRUE(this->store_->add(alice).ok());
  auto found = this->store_->find(alice.impi);
  ASSERT_TRUE(found.ok()) << found.message();
  ASSERT_TRUE(found.value().has_value());
  EXPECT_EQ(*found.value(), alice);
  for (const auto& impu : alice.impus) {
    auto by_impu = this->store_->find_by_impu(impu);
    ASSERT_TRUE(by_impu.ok());
    ASSERT_TRUE(by_impu.value().has_value()) << impu;
    EXPECT_EQ(by_impu.value()->impi, alice.impi);
  }
}

TYPED_TEST(SubscriberStoreTest, AkaSubscriberRoundTrips) {
  Subscriber bob = aka_user("bob");
  ASSERT_TRUE(this->store_->add(bob).ok());
  auto found = this->store_->find(bob.impi);
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found.value().has_value());
  EXPECT_EQ(*found.value(), bob);
  EXPECT_EQ(found.value()->k, bob.k);
  EXPECT_EQ(found.value()->opc, bob.opc);
  EXPECT_EQ(found.value()->sqn, 0x20u);
}

TYPED_TEST(SubscriberStoreTest, UnknownIsEmptyNotError) {
  auto by_impi = this->store_->find("nobody@ims.local");
  ASSERT_TRUE(by_impi.ok());
  EXPECT_FALSE(by_impi.value().has_value());
  auto by_impu = this->store_->find_by_impu("sip:nobody@ims.local");
  ASSERT_TRUE(by_impu.ok());
  EXPECT_FALSE(by_impu.value().has_value());
}

TYPED_TEST(SubscriberStoreTest, DuplicateImpiRejected) {
  ASSERT_TRUE(this->store_->add(digest_user("alice")).ok());
  Subscriber again = aka_user("alice");
  again.impus = {"sip:other@ims.local"};
  auto r = this->store_->add(again);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), StoreErrc::kConflict);
  EXPECT_NE(r.message().find("alice@ims.local"), std::string::npos) << r.message();
  EXPECT_EQ(this->store_->count().value(), 1u);
  EXPECT_EQ(this->store_->find("alice@ims.local").value()->scheme, AuthScheme::kDigest);
  EXPECT_FALSE(this->store_->find_by_impu("sip:other@ims.local").value().has_value());
}

TYPED_TEST(SubscriberStoreTest, DuplicateImpuRejected) {
  ASSERT_TRUE(this->store_->add(digest_user("alice")).ok());
  Subscriber mallory = digest_user("mallory");
  mallory.impus = {"sip:mallory@ims.local", "sip:alice@ims.local"};
  auto r = this->store_->add(mallory);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), StoreErrc::kConflict);
  EXPECT_NE(r.message().find("sip:alice@ims.local"), std::string::npos) << r.message();
  EXPECT_FALSE(this->store_->find(mallory.impi).value().has_value());
  EXPECT_FALSE(this->store_->find_by_impu("sip:mallory@ims.local").value().has_value());
  EXPECT_EQ(this->store_->find_by_impu("sip:alice@ims.local").value()->impi, "alice@ims.local");
}

TYPED_TEST(SubscriberStoreTest, MalformedRecordsRejected) {
  Subscriber no_impu = digest_user("a");
  no_impu.impus.clear();
  Subscriber no_ha1 = digest_user("b");
  no_ha1.ha1_md5.clear();
  no_ha1.ha1_sha256.clear();
  no_ha1.ha1_sha512_256.clear();
  Subscriber bad_uri = digest_user("c");
  bad_uri.impus = {"c@ims.local"};
  Subscriber big_sqn = aka_user("d");
  big_sqn.sqn = kMaxSqn + 1;
  Subscriber bad_service = digest_user("e");
  bad_service.services = {"voice;video"};
  for (const auto& s : {no_impu, no_ha1, bad_uri, big_sqn, bad_service}) {
    auto r = this->store_->add(s);
    ASSERT_FALSE(r.ok()) << s.impi;
    EXPECT_EQ(r.code(), StoreErrc::kInvalid) << s.impi;
  }
  EXPECT_EQ(this->store_->count().value(), 0u);
}

TYPED_TEST(SubscriberStoreTest, BarredFlag) {
  ASSERT_TRUE(this->store_->add(digest_user("alice")).ok());
  EXPECT_FALSE(this->store_->find("alice@ims.local").value()->barred);
  ASSERT_TRUE(this->store_->set_barred("alice@ims.local", true).ok());
  EXPECT_TRUE(this->store_->find("alice@ims.local").value()->barred);
  EXPECT_TRUE(this->store_->find_by_impu("sip:alice@ims.local").value()->barred);
  ASSERT_TRUE(this->store_->set_barred("alice@ims.local", false).ok());
  EXPECT_FALSE(this->store_->find("alice@ims.local").value()->barred);
  auto r = this->store_->set_barred("nobody@ims.local", true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), StoreErrc::kNotFound);
}

TYPED_TEST(SubscriberStoreTest, RemoveFreesImpus) {
  ASSERT_TRUE(this->store_->add(digest_user("alice")).ok());
  ASSERT_TRUE(this->store_->remove("alice@ims.local").ok());
  EXPECT_FALSE(this->store_->find("alice@ims.local").value().has_value());
  EXPECT_FALSE(this->store_->find_by_impu("sip:alice@ims.local").value().has_value());
  Subscriber bob = digest_user("bob");
  bob.impus = {"sip:alice@ims.local"};
  EXPECT_TRUE(this->store_->add(bob).ok());
  auto r = this->store_->remove("alice@ims.local");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), StoreErrc::kNotFound);
}

TYPED_TEST(SubscriberStoreTest, UpdateReplacesRecordButKeepsSqn) {
  ASSERT_TRUE(this->store_->add(aka_user("bob")).ok());
  ASSERT_TRUE(this->store_->add(digest_user("alice")).ok());
  ASSERT_TRUE(this->store_->set_sqn("bob@ims.local", 0x1000).ok());
  Subscriber changed = aka_user("bob");
  changed.impus = {"sip:robert@ims.local", "sip:bob2@ims.local"};
  changed.services = {"video"};
  changed.sqn = 1;  // must not rewind the stored SQN
  changed.k[0] = 0x00;
  ASSERT_TRUE(this->store_->update(changed).ok());
  auto found = this->store_->find("bob@ims.local").value();
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->impus, changed.impus);
  EXPECT_EQ(found->services, changed.services);
  EXPECT_EQ(found->k[0], 0x00);
  EXPECT_EQ(found->sqn, 0x1000u);
  EXPECT_FALSE(this->store_->find_by_impu("sip:bob@ims.local").value().has_value());
  EXPECT_EQ(this->store_->find_by_impu("sip:bob2@ims.local").value()->impi, "bob@ims.local");

  Subscriber thief = changed;
  thief.impus = {"sip:alice@ims.local"};
  auto clash = this->store_->update(thief);
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.code(), StoreErrc::kConflict);
  EXPECT_EQ(this->store_->find("bob@ims.local").value()->impus, changed.impus);

  auto missing = this->store_->update(aka_user("carol"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.code(), StoreErrc::kNotFound);
}

TYPED_TEST(SubscriberStoreTest, ListPagesInImpiOrder) {
  std::vector<std::string> names = {"dave", "alice", "carol", "bob", "erin"};
  for (const auto& n : names) {
    Subscriber s = digest_user(n);
    s.impus = {"sip:" + n + "@ims.local"};
    ASSERT_TRUE(this->store_->add(s).ok());
  }
  EXPECT_EQ(this->store_->count().value(), 5u);
  auto first = this->store_->list(0, 2).value();
  auto rest = this->store_->list(2, 10).value();
  ASSERT_EQ(first.size(), 2u);
  ASSERT_EQ(rest.size(), 3u);
  std::vector<std::string> got;
  for (const auto& s : first) got.push_back(s.impi);
  for (const auto& s : rest) got.push_back(s.impi);
  std::sort(names.begin(), names.end());
  for (auto& n : names) n += "@ims.local";
  EXPECT_EQ(got, names);
  EXPECT_TRUE(this->store_->list(5, 10).value().empty());
}

TYPED_TEST(SubscriberStoreTest, AddAllIsAllOrNothing) {
  ASSERT_TRUE(this->store_->add(digest_user("alice")).ok());
  std::vector<Subscriber> batch = {digest_user("bob"), digest_user("carol")};
  batch[0].impus = {"sip:bob@ims.local"};
  batch[1].impus = {"sip:carol@ims.local", "sip:alice@ims.local"};
  auto r = this->store_->add_all(batch);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), StoreErrc::kConflict);
  EXPECT_EQ(this->store_->count().value(), 1u);
  EXPECT_FALSE(this->store_->find("bob@ims.local").value().has_value());

  std::vector<Subscriber> twice = {batch[0], batch[0]};
  EXPECT_FALSE(this->store_->add_all(twice).ok());
  EXPECT_EQ(this->store_->count().value(), 1u);

  batch[1].impus = {"sip:carol@ims.local"};
  ASSERT_TRUE(this->store_->add_all(batch).ok());
  EXPECT_EQ(this->store_->count().value(), 3u);
}

TYPED_TEST(SubscriberStoreTest, ReserveSqnAdvancesAndPersists) {
  ASSERT_TRUE(this->store_->add(aka_user("bob")).ok());
  auto plus32 = [](uint64_t current) { return current + 32; };
  auto first = this->store_->reserve_sqn("bob@ims.local", plus32);
  ASSERT_TRUE(first.ok()) << first.message();
  EXPECT_EQ(first.value(), 0x20u + 32);
  auto second = this->store_->reserve_sqn("bob@ims.local", plus32);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second.value(), first.value() + 32);
  EXPECT_EQ(this->store_->find("bob@ims.local").value()->sqn, second.value());
}

TYPED_TEST(SubscriberStoreTest, ReserveSqnRefusesToGoBackOrOverflow) {
  ASSERT_TRUE(this->store_->add(aka_user("bob")).ok());
  auto same = this->store_->reserve_sqn("bob@ims.local", [](uint64_t c) { return c; });
  ASSERT_FALSE(same.ok());
  EXPECT_EQ(same.code(), StoreErrc::kInvalid);
  auto back = this->store_->reserve_sqn("bob@ims.local", [](uint64_t c) { return c - 1; });
  ASSERT_FALSE(back.ok());
  auto over = this->store_->reserve_sqn("bob@ims.local", [](uint64_t) { return kMaxSqn + 1; });
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(this->store_->find("bob@ims.local").value()->sqn, 0x20u);
  auto unknown = this->store_->reserve_sqn("nobody@ims.local", [](uint64_t c) { return c + 1; });
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.code(), StoreErrc::kNotFound);
}

TYPED_TEST(SubscriberStoreTest, SetSqnAfterResync) {
  ASSERT_TRUE(this->store_->add(aka_user("bob")).ok());
  ASSERT_TRUE(this->store_->set_sqn("bob@ims.local", 0x10).ok());  // SQN_MS may be lower
  EXPECT_EQ(this->store_->find("bob@ims.local").value()->sqn, 0x10u);
  auto next = this->store_->reserve_sqn("bob@ims.local", [](uint64_t c) { return c + 1; });
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next.value(), 0x11u);
  EXPECT_EQ(this->store_->set_sqn("bob@ims.local", kMaxSqn + 1).code(), StoreErrc::kInvalid);
  EXPECT_EQ(this->store_->set_sqn("nobody@ims.local", 1).code(), StoreErrc::kNotFound);
}

TYPED_TEST(SubscriberStoreTest, ConcurrentReservationsAreUnique) {
  ASSERT_TRUE(this->store_->add(aka_user("bob")).ok());
  constexpr int kThreads = 4;
  constexpr int kEach = 25;
  std::vector<std::vector<uint64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &got] {
      for (int i = 0; i < kEach; ++i) {
        auto r = this->store_->reserve_sqn("bob@ims.local", [](uint64_t c) { return c + 1; });
        if (r.ok()) got[t].push_back(r.value());
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<uint64_t> all;
  std::size_t total = 0;
  for (const auto& v : got) {
    total += v.size();
    all.insert(v.begin(), v.end());
  }
  EXPECT_EQ(total, static_cast<std::size_t>(kThreads * kEach));
  EXPECT_EQ(all.size(), total);
  EXPECT_EQ(this->store_->find("bob@ims.local").value()->sqn, 0x20u + kThreads * kEach);
}

// Reservations that share a (group-committed) transaction still fail or succeed on their own.
TYPED_TEST(SubscriberStoreTest, ConcurrentReservationsFailIndividually) {
  ASSERT_TRUE(this->store_->add(aka_user("bob")).ok());
  ASSERT_TRUE(this->store_->add(aka_user("carol")).ok());
  constexpr int kThreads = 6;
  constexpr int kEach = 10;
  std::vector<int> ok(kThreads, 0), not_found(kThreads, 0), invalid_advance(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &ok, &not_found, &invalid_advance] {
      for (int i = 0; i < kEach; ++i) {
        std::string impi = t % 3 == 0 ? "bob@ims.local" : t % 3 == 1 ? "carol@ims.local" : "ghost@ims.local";
        bool backwards = t == 1 && i % 2 == 0;
        auto r = this->store_->reserve_sqn(impi, [backwards](uint64_t c) { return backwards ? c : c + 1; });
        if (r.ok()) ++ok[t];
        else if (r.code() == StoreErrc::kNotFound) ++not_found[t];
        else if (r.code() == StoreErrc::kInvalid) ++invalid_advance[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  int bob_ok = ok[0] + ok[3], carol_ok = ok[1] + ok[4];
  EXPECT_EQ(bob_ok, 2 * kEach);
  EXPECT_EQ(carol_ok, 2 * kEach - kEach / 2);
  EXPECT_EQ(invalid_advance[1], kEach / 2);
  EXPECT_EQ(not_found[2] + not_found[5], 2 * kEach);
  EXPECT_EQ(this->store_->find("bob@ims.local").value()->sqn, 0x20u + static_cast<uint64_t>(bob_ok));
  EXPECT_EQ(this->store_->find("carol@ims.local").value()->sqn, 0x20u + static_cast<uint64_t>(carol_ok));
}

}  // namespace
}  // namespace imsguard::store
