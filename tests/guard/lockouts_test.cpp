// Brute-force lockouts as an operator sees them (guard/lockouts.h): listed with what they
// lock and why, bounded, lifted by `imsguard unlock` (BruteForceGuard::unlock and the control
// socket's `unlock` and `ban list`).
#include "guard/bruteforce.h"
#include "guard/control.h"
#include "guard/lockouts.h"

#include "crypto/credentials.h"

#include "helpers.h"

namespace imsguard::guard {
namespace {

using namespace testing;  // the shared fixture of helpers.h

config::BruteForceGuard limits() { return brute_force_limits(3, 5, 1000); }

TEST(LockoutList, KeepsTheSubjectReasonAndEndSoonestFirst) {
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
  LockoutList list(4);
  for (int i = 0; i < 10; ++i)
    list.add({Lockout::Kind::kIdentity, "u" + std::to_string(i) + "@x", "r", 10'000 + i * 1000, uint64_t(i) + 1}, 0);
  auto kept = list.list(0);
  ASSERT_EQ(kept.size(), 4u);
  EXPECT_EQ(kept.front().subject, "u6@x");
  EXPECT_EQ(kept.back().subject, "u9@x");
}

TEST(BruteForceLockouts, AnIdentityLockoutIsListedWithItsReasonAndUnlockLiftsIt) {
  BruteForceGuard g(limits());
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
  BruteForceGuard g(limits());
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
  BruteForceGuard g(limits());
  g.apply_lockout("impi:bob@ims.local", 50'000, 1000);
  auto locks = g.lockouts(1000);
  ASSERT_EQ(locks.size(), 1u);
  EXPECT_EQ(locks[0].reason, "locked out by another edge (shared state)");
  ASSERT_TRUE(g.unlock("bob@ims.local", 1000));
  EXPECT_EQ(g.impi_locked_ms("bob@ims.local", 1000), 0);
}

TEST(ControlSocket, BanListShowsLockoutsAndUnlockLiftsThem) {
  BanList bans;
  BruteForceGuard g(limits());
  for (int i = 0; i < 5; ++i) fail(g, flow("10.9.0." + std::to_string(i)), "alice", 1000 + i);
  std::string list = handle_control_line(bans, 3600, "ban list", 2000, &g);
  EXPECT_NE(list.find("lockout identity alice@ims.local  locked 60 s more  reason: failed authentications"), std::string::npos)
      << list;
  EXPECT_EQ(list.substr(list.size() - 3), "OK\n");
  EXPECT_EQ(handle_control_line(bans, 3600, "unlock alice@ims.local", 2000, &g).rfind("unlocked identity alice@ims.local", 0), 0u);
  EXPECT_EQ(handle_control_line(bans, 3600, "ban list", 2001, &g), "OK\n");
  EXPECT_EQ(handle_control_line(bans, 3600, "unlock alice@ims.local", 2002, &g), "ERROR no lockout for alice@ims.local\n");
  EXPECT_EQ(handle_control_line(bans, 3600, "unlock alice@ims.local", 2002, nullptr).rfind("ERROR the brute-force guard is off", 0),
            0u);
}

}  // namespace
}  // namespace imsguard::guard
