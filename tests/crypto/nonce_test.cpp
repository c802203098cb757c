#include "crypto/nonce.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <thread>
#include <vector>

namespace imsguard::crypto {
namespace {

// A clock the test moves by hand.
struct FakeClock {
  std::shared_ptr<int64_t> now = std::make_shared<int64_t>(1'700'000'000'000);
  MillisClock clock() const {
    auto n = now;
    return [n] { return *n; };
  }
  void advance(int64_t ms) const { *now += ms; }
};

std::unique_ptr<NonceAuthority> authority(const FakeClock& c, int64_t lifetime_ms = 30'000,
                                          int64_t rotation_ms = 3'600'000) {
  NonceOptions o;
  o.lifetime_ms = lifetime_ms;
  o.rotation_ms = rotation_ms;
  o.clock = c.clock();
  return NonceAuthority::create(o);
}

constexpr std::string_view kRealm = "example.com";
constexpr std::string_view kClient = "127.0.0.1";

TEST(Nonce, FixedSizeUniqueAndValid) {
  FakeClock c;
  auto a = authority(c);
  ASSERT_NE(a, nullptr);
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string n = a->make(kRealm, kClient);
    ASSERT_EQ(n.size(), NonceAuthority::kNonceChars);
    EXPECT_EQ(n.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos);
    seen.insert(n);
    auto check = a->verify(n, kRealm, kClient);
    EXPECT_EQ(check.status, NonceStatus::kValid);
    EXPECT_EQ(check.issued_at_ms, *c.now);
  }
  EXPECT_EQ(seen.size(), 100u);  // same client, same millisecond: still distinct
}

TEST(Nonce, ExpiresToStaleNotForged) {
  FakeClock c;
  auto a = authority(c, 30'000);
  ASSERT_NE(a, nullptr);
  std::string n = a->make(kRealm, kClient);
  c.advance(30'000);
  EXPECT_EQ(a->verify(n, kRealm, kClient).status, NonceStatus::kValid);  // exactly the lifetime
  c.advance(1);
  EXPECT_EQ(a->verify(n, kRealm, kClient).status, NonceStatus::kStale);
}

TEST(Nonce, ForgedTamperedOrForeign) {
  FakeClock c;
  auto a = authority(c);
  ASSERT_NE(a, nullptr);
  std::string n = a->make(kRealm, kClient);
  EXPECT_EQ(a->verify(n, kRealm, "127.0.0.2").status, NonceStatus::kForged);  // other client
  EXPECT_EQ(a->verify(n, "other.example", kClient).status, NonceStatus::kForged);
  for (size_t i = 0; i < n.size(); ++i) {
    std::string t = n;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    EXPECT_EQ(a->verify(t, kRealm, kClient).status, NonceStatus::kForged) << i;
  }
  EXPECT_EQ(a->verify("", kRealm, kClient).status, NonceStatus::kForged);
  EXPECT_EQ(a->verify(n.substr(1), kRealm, kClient).status, NonceStatus::kForged);
  EXPECT_EQ(a->verify(n + "A", kRealm, kClient).status, NonceStatus::kForged);
  EXPECT_EQ(a->verify(std::string(43, '='), kRealm, kClient).status, NonceStatus::kForged);
  // Another authority (another secret) did not issue it.
  auto b = authority(c);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->verify(n, kRealm, kClient).status, NonceStatus::kForged);
}

TEST(Nonce, PreviousSecretStaysValidAcrossOneRotation) {
  FakeClock c;
  auto a = authority(c, 30'000, 60'000);
  ASSERT_NE(a, nullptr);
  std::string old_nonce = a->make(kRealm, kClient);
  uint8_t gen = a->generation();
  c.advance(60'000);  // rotation due: the next call rotates
  std::string fresh = a->make(kRealm, kClient);
  EXPECT_NE(a->generation(), gen);
  EXPECT_EQ(a->verify(fresh, kRealm, kClient).status, NonceStatus::kValid);
  EXPECT_EQ(a->verify(old_nonce, kRealm, kClient).status, NonceStatus::kStale);  // authentic, expired
  // Two rotations later its secret is gone: it can no longer be told from a forgery.
  ASSERT_TRUE(a->rotate());
  EXPECT_EQ(a->verify(old_nonce, kRealm, kClient).status, NonceStatus::kForged);
  EXPECT_EQ(a->verify(fresh, kRealm, kClient).status, NonceStatus::kValid);
}

TEST(Nonce, ForcedRotationKeepsJustIssuedNoncesValid) {
  FakeClock c;
  auto a = authority(c);
  ASSERT_NE(a, nullptr);
  std::string n = a->make(kRealm, kClient);
  ASSERT_TRUE(a->rotate());
  EXPECT_EQ(a->verify(n, kRealm, kClient).status, NonceStatus::kValid);
}

TEST(Nonce, FutureTimestampIsRefused) {
  FakeClock c;
  auto a = authority(c);
  ASSERT_NE(a, nullptr);
  c.advance(60'000);
  std::string from_future = a->make(kRealm, kClient);
  *c.now -= 60'000;  // the clock stepped back a minute
  EXPECT_EQ(a->verify(from_future, kRealm, kClient).status, NonceStatus::kForged);
}

// Several threads issuing and checking nonces (each has its own HMAC context) while another
// rotates the secret: every nonce made before at most one rotation verifies.
TEST(Nonce, ConcurrentMakeVerifyAndRotate) {
  auto a = NonceAuthority::create();
  ASSERT_NE(a, nullptr);
  std::vector<int> failures(4, 0);
  std::vector<int> foreign_accepted(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::string client = "127.0.0." + std::to_string(t + 1);
      for (int i = 0; i < 500; ++i) {
        std::string n = a->make(kRealm, client);
        if (a->verify(n, kRealm, client).status != NonceStatus::kValid) ++failures[static_cast<size_t>(t)];
        if (a->verify(n, kRealm, "127.0.1.1").status != NonceStatus::kForged)
          ++foreign_accepted[static_cast<size_t>(t)];
      }
    });
  }
  std::thread rotator([&] {
    for (int i = 0; i < 20; ++i) a->rotate();
  });
  rotator.join();
  for (auto& th : threads) th.join();
  // A nonce made just before two rotations in a row may be forgotten; allow only that.
  int total = 0;
  for (int f : failures) total += f;
  EXPECT_LE(total, 4 * 20);
  for (int f : foreign_accepted) EXPECT_EQ(f, 0);
  std::string after = a->make(kRealm, kClient);
  EXPECT_EQ(a->verify(after, kRealm, kClient).status, NonceStatus::kValid);
}

// Fail closed: a nonce whose MAC cannot be computed is not issued, and a genuine nonce is not
// accepted while its MAC cannot be recomputed.
TEST(Nonce, AMacFailureIssuesNothingAndAcceptsNothing) {
  FakeClock c;
  bool fail = false;
  NonceOptions o;
  o.clock = c.clock();
  o.mac = [&fail](std::span<const uint8_t> key, std::string_view data) -> std::optional<Sha256Mac> {
    if (fail) return std::nullopt;
    return hmac_sha256(key, data);
  };
  auto a = NonceAuthority::create(o);
  ASSERT_NE(a, nullptr);
  std::string nonce = a->make(kRealm, kClient);
  ASSERT_EQ(nonce.size(), NonceAuthority::kNonceChars);
  ASSERT_EQ(a->verify(nonce, kRealm, kClient).status, NonceStatus::kValid);
  fail = true;
  EXPECT_EQ(a->make(kRealm, kClient), "");
  EXPECT_EQ(a->verify(nonce, kRealm, kClient).status, NonceStatus::kForged);
  fail = false;  // the nonce itself was fine: only the failed MAC refused it
  EXPECT_EQ(a->verify(nonce, kRealm, kClient).status, NonceStatus::kValid);
}

}  // namespace
}  // namespace imsguard::crypto
