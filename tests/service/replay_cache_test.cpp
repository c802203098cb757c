#include "service/replay_cache.h"

#include <gtest/gtest.h>

namespace imsguard::service {
namespace {

using V = ReplayCache::Verdict;

TEST(ReplayCache, SecondUseIsAReplay) {
  ReplayCache cache(10, 60);
  EXPECT_EQ(cache.check_and_insert("a", 100, 100), V::kFresh);
  EXPECT_EQ(cache.check_and_insert("a", 100, 101), V::kReplay);
  EXPECT_EQ(cache.check_and_insert("b", 100, 101), V::kFresh);
}

TEST(ReplayCache, FullCacheFailsClosedUntilEntriesExpire) {
  ReplayCache cache(2, 60);
  EXPECT_EQ(cache.check_and_insert("a", 100, 100), V::kFresh);
  EXPECT_EQ(cache.check_and_insert("b", 100, 100), V::kFresh);
  EXPECT_EQ(cache.check_and_insert("c", 100, 100), V::kFull);
  EXPECT_EQ(cache.check_and_insert("a", 100, 100), V::kReplay);
  // After the window the ids are forgotten (freshness refuses them by then).
  EXPECT_EQ(cache.check_and_insert("c", 170, 170), V::kFresh);
  EXPECT_EQ(cache.size(), 1u);
}

}  // namespace
}  // namespace imsguard::service
