#include "crypto/nc_tracker.h"

#include <gtest/gtest.h>

#include <string>

namespace imsguard::crypto {
namespace {

TEST(NcTracker, ParseNc) {
  EXPECT_EQ(NcTracker::parse_nc("00000001"), 1u);
  EXPECT_EQ(NcTracker::parse_nc("0000000A"), 10u);
  EXPECT_EQ(NcTracker::parse_nc("ffffffff"), 0xffffffffu);
  EXPECT_FALSE(NcTracker::parse_nc("1"));
  EXPECT_FALSE(NcTracker::parse_nc("0000000g"));
  EXPECT_FALSE(NcTracker::parse_nc("000000001"));
}

TEST(NcTracker, RefusesReplayAndAcceptsIncreasingCounts) {
  NcTracker t(64);
  EXPECT_EQ(t.check_and_record("nonce-a", 1000, 1), NcTracker::Verdict::kAccepted);
  EXPECT_EQ(t.check_and_record("nonce-a", 1000, 1), NcTracker::Verdict::kReplay);
  EXPECT_EQ(t.check_and_record("nonce-a", 1000, 2), NcTracker::Verdict::kAccepted);
  EXPECT_EQ(t.check_and_record("nonce-a", 1000, 1), NcTracker::Verdict::kReplay);
  EXPECT_EQ(t.check_and_record("nonce-a", 1000, 5), NcTracker::Verdict::kAccepted);  // gaps are fine
  EXPECT_EQ(t.check_and_record("nonce-b", 1000, 1), NcTracker::Verdict::kAccepted);  // per nonce
  EXPECT_EQ(t.check_and_record("nonce-c", 1000, 0), NcTracker::Verdict::kReplay);    // nc 0 never valid
}

TEST(NcTracker, MemoryIsBoundedAndEvictionNeverReopensReplay) {
  NcTracker t(1024);
  const size_t capacity = t.capacity();
  const size_t bytes = t.memory_bytes();
  EXPECT_GE(capacity, 1024u);
  EXPECT_LE(bytes, capacity * 64);  // a few dozen bytes per remembered nonce
  // Far more distinct nonces than capacity, issued one millisecond apart.
  const int kNonces = 50'000;
  for (int i = 0; i < kNonces; ++i)
    ASSERT_EQ(t.check_and_record("n" + std::to_string(i), i, 1), NcTracker::Verdict::kAccepted) << i;
  EXPECT_EQ(t.memory_bytes(), bytes);
  EXPECT_EQ(t.capacity(), capacity);
  // Every nonce answered with nc=1 again is refused: either remembered (kReplay) or possibly
  // evicted (kForgotten); none is accepted.
  int replay = 0, forgotten = 0;
  for (int i = 0; i < kNonces; ++i) {
    auto v = t.check_and_record("n" + std::to_string(i), i, 1);
    ASSERT_NE(v, NcTracker::Verdict::kAccepted) << i;
    (v == NcTracker::Verdict::kReplay ? replay : forgotten)++;
  }
  EXPECT_GT(forgotten, 0);
  EXPECT_GT(replay, 0);
  EXPECT_LE(static_cast<size_t>(replay), capacity);
  // A nonce newer than anything evicted is still welcome.
  EXPECT_EQ(t.check_and_record("brand-new", kNonces + 1, 1), NcTracker::Verdict::kAccepted);
}

}  // namespace
}  // namespace imsguard::crypto
