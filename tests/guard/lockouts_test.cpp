// Brute-force lockouts as an operator sees them (guard/lockouts.h): listed with what they
// lock and why, bounded, lifted by `imsguard unlock` (BruteForceGuard::unlock and the control
// socket's `unlock` and `ban list`).
#include "guard/bruteforce.h"
#include "../support/test_telemetry.h"
#include "guard/control.h"
#include "guard/lockouts.h"

#include "crypto/credentials.h"

#include "helpers.h"

namespace imsguard::guard {
namespace {

using namespace testing;  // the shared fixture of helpers.h

config::BruteForceGuard limits() { return brute_force_limits(3, 5, 1000); }

TEST(LockoutList, KeepsTheSubjectReasonAndEndSoonestFirst) {
  test::Telemetry t;
  LockoutList list(8);
  list.add({Lockout::Kind::kIdentity, "alice@ims.local", "20 failures", 90'000, 1}, 0);
  list.add({Lockout::Kind::kSource, "192.0.2.7", "5 failures", 60'000, 2}, 0);
  auto now = list.list(1'000);
  ASSERT_EQ(now.size(), 2u);
  EXPECT_EQ(now[0].subject, "192.0.2.7");
  EXPECT_EQ(now[1].to_string(1'000), "lockout identity alice@ims.local  locked 89 s more  reason: 20 failures");
  // The same subject again extends and re-explains, it is not listed twice.
  list.add({Lockout::Kind::kIdentity, "ALICE@ims.local", "again", 120'000, 1}, 2'000);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list.list(2'000)[1].reason, "again");
  EXPECT_TRUE(list.list(200'000).empty()) << "ended lockouts are not listed";
  EXPECT_TRUE(list.remove(Lockout::Kind::kIdentity, "alice@IMS.local"));
  EXPECT_FALSE(list.remove(Lockout::Kind::kIdentity, "alice@ims.local"));
}

TEST(LockoutList, IsBoundedAndDropsWhatEndsSoonest) {
  test::Telemetry t;
  LockoutList list(4);
  for (int i = 0; i < 10; ++i)
    list.add({Lockout::Kind::kIdentity, "u" + std::to_string(i) + "@x", "r", 10'000 + i * 1000, uint64_t(i) + 1}, 0);
  auto kept = list.list(0);
  ASSERT_EQ(kept.size(), 4u);
  EXPECT_EQ(kept.front().subject, "u6@x");
  EXPECT_EQ(kept.back().subject, "u9@x");
}

TEST(BruteForceLockouts, AnIdentityLockoutIsListedWithItsReasonAndUnlockLiftsIt) {
  test::Telemetry t;
  BruteForceGuard g(limits(), t.metrics, t.events);
  for (int i = 0; i < 5; ++i) fail(g, flow("10.9.0." + std::to_string(i)), "alice", 1000 + i);
  ASSERT_EQ(attempt(g, flow("10.9.1.1"), "alice", 2000).action, Action::kReject);
  auto locks = g.lockouts(2000);
  ASSERT_EQ(locks.size(), 1u);
  EXPECT_EQ(locks[0].kind, Lockout::Kind::kIdentity);
  EXPECT_EQ(locks[0].subject, "alice@ims.local");
  EXPECT_NE(locks[0].reason.find("failed authentications for this identity from all sources"), std::string::npos)
      << locks[0].reason;
  auto lifted = g.unlock("alice@ims.local", 2000);
  ASSERT_TRUE(lifted);
  EXPECT_EQ(lifted->subject, "alice@ims.local");
  EXPECT_FALSE(attempt(g, flow("10.9.1.1"), "alice", 2001).stops()) << "the identity may try again at once";
  EXPECT_EQ(g.impi_locked_ms("alice@ims.local", 2001), 0);
  EXPECT_TRUE(g.lockouts(2001).empty());
  EXPECT_FALSE(g.unlock("alice@ims.local", 2002)) << "nothing left to lift";
}

TEST(BruteForceLockouts, ASourceLockoutIsListedByAddressAndUnlockLiftsIt) {
  test::Telemetry t;
  BruteForceGuard g(limits(), t.metrics, t.events);
  auto f = flow("192.0.2.44");
  for (int i = 0; i < 3; ++i) fail(g, f, "user" + std::to_string(i), 1000 + i);
  ASSERT_EQ(attempt(g, f, "anyone", 1100).action, Action::kDrop);
  auto locks = g.lockouts(1100);
  ASSERT_EQ(locks.size(), 1u);
  EXPECT_EQ(locks[0].kind, Lockout::Kind::kSource);
  EXPECT_EQ(locks[0].subject, "192.0.2.44");
  ASSERT_TRUE(g.unlock("192.0.2.44", 1200));
  EXPECT_FALSE(attempt(g, f, "anyone", 1201).stops());
}

TEST(BruteForceLockouts, ALockoutFromAnotherEdgeIsListedAndLiftable) {
  test::Telemetry t;
  BruteForceGuard g(limits(), t.metrics, t.events);
  g.apply_lockout("impi:bob@ims.local", 50'000, 1000);
  auto locks = g.lockouts(1000);
  ASSERT_EQ(locks.size(), 1u);
  EXPECT_EQ(locks[0].reason, "locked out by another edge (shared state)");
  ASSERT_TRUE(g.unlock("bob@ims.local", 1000));
  EXPECT_EQ(g.impi_locked_ms("bob@ims.local", 1000), 0);
}

// `imsguard unlock` of a subject that is not locked changes nothing: no slot is made for it
// (which would evict the counts of a key that is counting) and no count is reset (an
// operator's typo must not clear a brute force in progress).
TEST(BruteForceLockouts, UnlockingWhatIsNotLockedTouchesNoSlot) {
  test::Telemetry t;
  BruteForceGuard g(limits(), t.metrics, t.events);
  auto f = flow("192.0.2.45");
  fail(g, f, "carol", 1000);
  fail(g, f, "carol", 1001);                 // the source: 2 of 3
  fail(g, flow("10.8.0.1"), "carol", 1002);
  fail(g, flow("10.8.0.2"), "carol", 1003);  // the identity: 4 of 5
  EXPECT_FALSE(g.unlock("carol@ims.local", 1004));
  EXPECT_FALSE(g.unlock("192.0.2.45", 1004));
  // Names and addresses no guard has seen, more than the tables hold: an unlock that made a
  // slot for each would evict carol's counts and her source's.
  int lifted = 0;
  for (int i = 0; i < 70'000; ++i) {
    lifted += g.unlock("nobody" + std::to_string(i) + "@ims.local", 1005).has_value();
    lifted += g.unlock("10." + std::to_string(100 + (i >> 16)) + "." + std::to_string((i >> 8) & 255) + "." +
                                 std::to_string(i & 255),
                             1005).has_value();
  }
  EXPECT_EQ(lifted, 0);
  EXPECT_TRUE(g.lockouts(1005).empty());
  // The counts ran on untouched: the next failure locks the source and the identity.
  EXPECT_FALSE(attempt(g, f, "carol", 1006).stops());
  fail(g, f, "carol", 1007);
  EXPECT_EQ(attempt(g, f, "dave", 1008).action, Action::kDrop);
  EXPECT_GT(g.impi_locked_ms("carol@ims.local", 1008), 0);
  EXPECT_EQ(g.lockouts(1008).size(), 2u);
}

TEST(ControlSocket, BanListShowsLockoutsAndUnlockLiftsThem) {
  test::Telemetry t;
  BanList bans;
  BruteForceGuard g(limits(), t.metrics, t.events);
  for (int i = 0; i < 5; ++i) fail(g, flow("10.9.0." + std::to_string(i)), "alice", 1000 + i);
  std::string list = handle_control_line(bans, t.events, 3600, "ban list", 2000, &g);
  EXPECT_NE(list.find("lockout identity alice@ims.local  locked 60 s more  reason: failed authentications"), std::string::npos)
      << list;
  EXPECT_EQ(list.substr(list.size() - 3), "OK\n");
  EXPECT_EQ(handle_control_line(bans, t.events, 3600, "unlock alice@ims.local", 2000, &g).rfind("unlocked identity alice@ims.local", 0), 0u);
  EXPECT_EQ(handle_control_line(bans, t.events, 3600, "ban list", 2001, &g), "OK\n");
  EXPECT_EQ(handle_control_line(bans, t.events, 3600, "unlock alice@ims.local", 2002, &g), "ERROR no lockout for alice@ims.local\n");
  EXPECT_EQ(handle_control_line(bans, t.events, 3600, "unlock alice@ims.local", 2002, nullptr).rfind("ERROR the brute-force guard is off", 0),
            0u);
}

}  // namespace
}  // namespace imsguard::guard
