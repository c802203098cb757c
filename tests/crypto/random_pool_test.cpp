// The per-thread random pool: draws never repeat (within the pool, across a refill, and
// between threads), large requests bypass it, and what was handed out is gone from it.
#include "crypto/random_pool.h"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>
#include <thread>
#include <vector>

using imsguard::crypto::random_bytes;

namespace {

std::string draw(size_t n) {
  std::string out(n, '\0');
  EXPECT_TRUE(random_bytes(reinterpret_cast<uint8_t*>(out.data()), n));
  return out;
}

TEST(RandomPool, DrawsAcrossSeveralRefillsNeverRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {  // 16 KB: 16 refills of the 1 KiB pool
    auto r = draw(16);
    EXPECT_NE(r, std::string(16, '\0'));
    EXPECT_TRUE(seen.insert(r).second) << "draw " << i << " repeated";
  }
}

TEST(RandomPool, OddSizesAndLargeRequestsAreServed) {
  std::set<std::string> seen;
  for (size_t n : {1u, 7u, 8u, 255u, 256u, 257u, 4096u}) {
    auto r = draw(n);
    ASSERT_EQ(r.size(), n);
    if (n >= 8) {
      EXPECT_TRUE(seen.insert(r.substr(0, 8)).second);
    }
  }
}

TEST(RandomPool, ThreadsDoNotShareBytes) {
  std::array<std::string, 2> firsts;
  std::thread a([&] { firsts[0] = draw(32); });
  std::thread b([&] { firsts[1] = draw(32); });
  a.join();
  b.join();
  EXPECT_NE(firsts[0], firsts[1]);
  EXPECT_NE(firsts[0], draw(32));
}

}  // namespace
