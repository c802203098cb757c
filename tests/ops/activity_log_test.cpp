// The cap on the operator's info lines (ops/activity_log.h): at most N lines a second per
// kind, the rest counted and reported with the next line written; lines made safe to log.
#include "ops/activity_log.h"

#include <gtest/gtest.h>

namespace imsguard::ops {
namespace {

TEST(ActivityLimiter, WritesAtMostTheCapEachSecondAndReportsWhatItHeldBack) {
  ActivityLimiter limiter(20);
  int written = 0;
  for (int i = 0; i < 100; ++i) written += limiter.admit(5'000 + i).write ? 1 : 0;  // 100 within one second
  EXPECT_EQ(written, 20);
  EXPECT_EQ(limiter.suppressed_total(), 80u);
  auto next = limiter.admit(6'000);  // the next second
  EXPECT_TRUE(next.write);
  EXPECT_EQ(next.left_out, 80u) << "the first line of the next second carries the count";
  auto after = limiter.admit(6'001);
  EXPECT_TRUE(after.write);
  EXPECT_EQ(after.left_out, 0u) << "reported once";
}

TEST(ActivityLimiter, EverySecondGetsItsOwnBudget) {
  ActivityLimiter limiter(3);
  int written = 0;
  for (int64_t ms = 0; ms < 10'000; ms += 50) written += limiter.admit(ms).write ? 1 : 0;  // 20 a second for 10 s
  EXPECT_EQ(written, 30);
  EXPECT_EQ(limiter.suppressed_total(), 170u);
}

TEST(ActivityLine, EscapesControlCharactersAndCutsLongLines) {
  EXPECT_EQ(activity_line("auth failure: eve\r\n[info] forged line"), "auth failure: eve\\r\\n[info] forged line");
  EXPECT_EQ(activity_line(std::string("a\0b", 3)), "a\\x00b");
  std::string long_line(5000, 'x');
  std::string out = activity_line(long_line);
  EXPECT_EQ(out.size(), kActivityLineBytes + 3);
  EXPECT_EQ(out.substr(out.size() - 3), "...");
}

TEST(ActivityName, NamesEveryKind) {
  EXPECT_EQ(activity_name(Activity::kRegistration), "registration");
  EXPECT_EQ(activity_name(Activity::kAuthFailure), "auth_failure");
  EXPECT_EQ(activity_name(Activity::kCall), "call");
}

}  // namespace
}  // namespace imsguard::ops
