// The one error type: what a caller decides on (the code) survives being passed on, and a
// StatusOr never claims a value it does not hold.
#include "common/status.h"

#include <gtest/gtest.h>

#include "store/result.h"

namespace imsguard {
namespace {

StatusOr<int> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return invalid_argument("port: expected 1 to 5 digits, got '" + std::string(text) + "'");
  int v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return invalid_argument("port: not a number");
    v = v * 10 + (c - '0');
  }
  if (v == 0 || v > 65535) return invalid_argument("port: out of range");
  return v;
}

// A store error travels through another module's StatusOr unchanged.
StatusOr<std::string> describe(const store::StoreResult<int>& r) {
  if (!r.ok()) return r.error();
  return "port " + std::to_string(r.value());
}

TEST(Status, CodesAndMessagesAreKeptAndPrinted) {
  Status ok;
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.to_string(), "ok");
  Status down = unavailable_error("redis: connection refused");
  EXPECT_FALSE(down.ok());
  EXPECT_EQ(down.code(), Code::kUnavailable);
  EXPECT_EQ(down.to_string(), "unavailable: redis: connection refused");
  EXPECT_EQ(code_name(Code::kNotFound), "not found");
}

TEST(Status, StatusOrHoldsAValueOrTheReason) {
  auto good = parse_port("5060");
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 5060);
  auto bad = parse_port("50x0");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.code(), Code::kInvalid);
  EXPECT_EQ(bad.message(), "port: not a number");
  // An ok Status without a value is a bug of the caller, never a success.
  StatusOr<int> empty{Status()};
  EXPECT_FALSE(empty.ok());
  EXPECT_EQ(empty.code(), Code::kInternal);
}

TEST(Status, AStoreErrorPassesThroughAnotherModuleWithItsCode) {
  store::StoreResult<int> missing = store::not_found("no such IMPI alice@ims.local");
  auto out = describe(missing);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.code(), Code::kNotFound);
  EXPECT_EQ(out.message(), "no such IMPI alice@ims.local");
  EXPECT_EQ(describe(store::StoreResult<int>(5061)).value(), "port 5061");
  store::StoreResult<void> written;
  EXPECT_TRUE(written.ok());
  store::StoreResult<void> refused = store::conflict("IMPU taken");
  EXPECT_EQ(refused.code(), store::StoreErrc::kConflict);
}

}  // namespace
}  // namespace imsguard
