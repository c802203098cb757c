#include "guard/bruteforce.h"
#include "../support/test_telemetry.h"

#include "crypto/credentials.h"

#include "helpers.h"

namespace imsguard::guard {
namespace {

using namespace testing;  // the shared fixture of helpers.h

config::BruteForceGuard limits() { return brute_force_limits(5, 20, 30); }

TEST(BruteForceGuard, SourceIsLockedOutAfterMaxFailures) {
  test::Telemetry t;
  BruteForceGuard g(limits(), t.metrics, t.events);
  auto f = flow("192.0.2.1");
  for (int i = 0; i < 4; ++i) {
    fail(g, f, "alice", 1000 + i);
    EXPECT_FALSE(attempt(g, f, "alice", 1000 + i).stops()) << i;
  }
  fail(g, f, "alice", 1010);
  Verdict v = attempt(g, f, "alice", 1011);
  EXPECT_EQ(v.action, Action::kDrop);
  EXPECT_EQ(g.source_locked_ms(ctx_at(f, 1010)), 60'000);
  // Another source is not affected (the IMPI is below its distributed threshold).
  EXPECT_FALSE(attempt(g, flow("192.0.2.2"), "alice", 1012).stops());
  // The lockout ends.
  EXPECT_FALSE(attempt(g, f, "alice", 1010 + 60'000).stops());
}

TEST(BruteForceGuard, LockoutGrowsEachTimeUpToTheCap) {
  test::Telemetry t;
  BruteForceGuard g(limits(), t.metrics, t.events);
  auto f = flow("192.0.2.3");
  int64_t now = 1000;
  std::vector<int64_t> lockouts;
  for (int round = 0; round < 8; ++round) {
    for (int i = 0; i < 5; ++i) fail(g, f, "u" + std::to_string(round), now);
    int64_t ms = g.source_locked_ms(ctx_at(f, now));
    lockouts.push_back(ms);
    now += ms;
  }
  EXPECT_EQ(lockouts[0], 60'000);
  EXPECT_EQ(lockouts[1], 120'000);
  EXPECT_EQ(lockouts[2], 240'000);
  EXPECT_EQ(lockouts.back(), 3'600'000);
}

TEST(BruteForceGuard, SlowAttackFromManySourcesLocksTheIdentity) {
  test::Telemetry t;
  BruteForceGuard g(limits(), t.metrics, t.events);
  for (int i = 0; i < 20; ++i) fail(g, flow("10.1.0." + std::to_string(i)), "alice", 1000 + i * 1000);
  EXPECT_GT(g.impi_locked_ms("alice@ims.local", 30'000), 0);
  Verdict v = attempt(g, flow("10.1.1.1"), "alice", 30'000);
  EXPECT_EQ(v.action, Action::kReject);
  EXPECT_EQ(v.code, 403);
  // The real phone, on the flow it registered from, keeps its way in.
  EXPECT_FALSE(attempt(g, flow("192.0.2.50"), "alice", 30'000, true).stops());
  // Other identities are not affected.
  EXPECT_FALSE(attempt(g, flow("10.1.1.1"), "bob", 30'000).stops());
}

TEST(BruteForceGuard, UnknownUsersAreLockedLikeRealOnes) {
  test::Telemetry t;
  BruteForceGuard g(limits(), t.metrics, t.events);
  for (int i = 0; i < 20; ++i) fail(g, flow("10.2.0." + std::to_string(i)), "nobody", 1000);
  EXPECT_EQ(attempt(g, flow("10.2.1.1"), "nobody", 2000).code, 403);
}

TEST(BruteForceGuard, UnauthenticatedRegistersPerImpiAreCappedForTheHss) {
  test::Telemetry t;
  BruteForceGuard g(limits(), t.metrics, t.events);
  int passed = 0;
  for (int i = 0; i < 100; ++i) {
    auto f = flow("10.3." + std::to_string(i / 250) + "." + std::to_string(i % 250));
    auto r = request("REGISTER", "bob");  // no credentials: each one costs an AKA vector
    Verdict v = g.on_request(ctx_at(f, 1000 + i), r->msg);
    if (!v.stops()) {
      ++passed;
      g.on_auth(ctx_at(f, 1000 + i), r->msg, AuthInfo{AuthEvent::kChallenged, "bob@ims.local", ""});
    }
  }
  EXPECT_EQ(passed, 30);
  // A window later the cap resets.
  auto r = request("REGISTER", "bob");
  EXPECT_FALSE(g.on_request(ctx_at(flow("10.3.9.9"), 1000 + 301'000), r->msg).stops());
}

TEST(BruteForceGuard, RepeatedResyncsLockTheIdentity) {
  test::Telemetry t;
  BruteForceGuard g(limits(), t.metrics, t.events);
  auto f = flow("192.0.2.9");
  for (int i = 0; i < 4; ++i) {
    auto r = request("REGISTER", "bob", "x", digest("bob@ims.local"));
    g.on_auth(ctx_at(f, 1000 + i), r->msg, AuthInfo{AuthEvent::kResync, "bob@ims.local", "SQN resynchronised"});
  }
  EXPECT_GT(g.impi_locked_ms("bob@ims.local", 2000), 0);
}

TEST(BruteForceGuard, SuccessClearsTheSourceFailures) {
  test::Telemetry t;
  BruteForceGuard g(limits(), t.metrics, t.events);
  auto f = flow("192.0.2.4");
  for (int i = 0; i < 4; ++i) fail(g, f, "alice", 1000);
  auto ok = request("REGISTER", "alice", "x", digest("alice@ims.local"));
  g.on_auth(ctx_at(f, 1001), ok->msg, AuthInfo{AuthEvent::kAuthenticated, "alice@ims.local", ""});
  for (int i = 0; i < 4; ++i) fail(g, f, "alice", 1002);
  EXPECT_FALSE(attempt(g, f, "alice", 1003).stops());
}

TEST(BruteForceGuard, ReplayedNonceCountsAreRetransmissionsNotGuesses) {
  test::Telemetry t;
  BruteForceGuard g(limits(), t.metrics, t.events);
  auto f = flow("192.0.2.5");
  for (int i = 0; i < 10; ++i) {
    auto r = request("REGISTER", "alice", "x", digest("alice@ims.local"));
    g.on_auth(ctx_at(f, 1000 + i), r->msg, AuthInfo{AuthEvent::kFailed, "alice@ims.local", "nonce count replayed", true, true});
  }
  EXPECT_FALSE(attempt(g, f, "alice", 2000).stops());
  fail(g, f, "alice", 2001);
  EXPECT_EQ(g.source_locked_ms(ctx_at(f, 2002)), 0);
}

TEST(BruteForceGuard, FailuresThatDoNotAnswerOurChallengeAreNotGuesses) {
  test::Telemetry t;
  // A spoofer sending from its victim's address never sees the challenges sent there: its
  // failures carry nonces we did not issue, and must not lock the victim out (issue 17 F8c).
  BruteForceGuard g(limits(), t.metrics, t.events);
  auto f = flow("192.0.2.6");
  for (int i = 0; i < 50; ++i) {
    auto r = request("REGISTER", "alice", "x", digest("alice@ims.local"));
    g.on_auth(ctx_at(f, 1000 + i), r->msg, AuthInfo{AuthEvent::kFailed, "alice@ims.local", "nonce not ours", false});
  }
  EXPECT_EQ(g.source_locked_ms(ctx_at(f, 2000)), 0);
  EXPECT_EQ(g.impi_locked_ms("alice@ims.local", 2000), 0);
}

TEST(BruteForceGuard, TheCapHoldsWhateverCredentialsTheRequestCarries) {
  test::Telemetry t;
  // Any Authorization used to lift max_challenges_per_impi (issue 17 F10): only an answer
  // whose nonce we issued to this source for this identity passes over the cap.
  BruteForceGuard g(limits(), t.metrics, t.events);
  auto f = flow("192.0.2.7");
  int passed = 0;
  for (int i = 0; i < 60; ++i) {
    auto r = request("REGISTER", "bob", "x", digest("bob@ims.local"));
    crypto::RequestCredentials creds = crypto::read_credentials(r->msg, sip::HeaderId::kAuthorization, "ims.local");
    Context ctx = ctx_at(f, 1000 + i);
    ctx.credentials = &creds;
    if (!g.on_request(ctx, r->msg).stops()) {
      ++passed;
      g.on_auth(ctx, r->msg, AuthInfo{AuthEvent::kFailed, "bob@ims.local", "nonce not ours", false});
    }
  }
  EXPECT_EQ(passed, 30);
  auto r = request("REGISTER", "bob", "x", digest("bob@ims.local"));
  crypto::RequestCredentials proven = crypto::read_credentials(r->msg, sip::HeaderId::kAuthorization, "ims.local");
  proven.proof = crypto::NonceProof::kValid;
  Context ctx = ctx_at(f, 2000);
  ctx.credentials = &proven;
  EXPECT_FALSE(g.on_request(ctx, r->msg).stops()) << "the phone holding our challenge answers it";
}

TEST(BruteForceGuard, AnEscapedUsernameIsTheSameIdentity) {
  test::Telemetry t;
  BruteForceGuard g(limits(), t.metrics, t.events);
  for (int i = 0; i < 20; ++i) {
    auto r = request("REGISTER", "alice", "x", digest("a\\lice@ims.local"));
    crypto::RequestCredentials creds = crypto::read_credentials(r->msg, sip::HeaderId::kAuthorization, "ims.local");
    EXPECT_EQ(creds.impi, "alice@ims.local");
    auto f = flow("10.9.0." + std::to_string(i));
    Context ctx = ctx_at(f, 1000 + i);
    ctx.credentials = &creds;
    g.on_auth(ctx, r->msg, AuthInfo{AuthEvent::kFailed, "alice@ims.local", "wrong", true});
  }
  EXPECT_GT(g.impi_locked_ms("alice@ims.local", 30'000), 0);
}

}  // namespace
}  // namespace imsguard::guard
