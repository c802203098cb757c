#include "service/content_token.h"

#include <gtest/gtest.h>

#include <set>

namespace imsguard::service {
namespace {

constexpr int64_t kNow = 1'800'000'000;

struct Fixture : ::testing::Test {
  Es256Key core = Es256Key::generate();
  std::set<std::string> active{"sip:alice@ims.local"};
  SubscriberActive view = [this](std::string_view impu) { return active.count(std::string(impu)) > 0; };
  std::string token = content_token_issue(core, {"sip:alice@ims.local", "content", kNow + 300, "id1"});
};

TEST_F(Fixture, ValidTokenForItsService) {
  auto check = content_token_verify(core, token, "content", kNow, view);
  ASSERT_EQ(check.status, 0) << check.error;
  EXPECT_EQ(check.claims->subscriber, "sip:alice@ims.local");
  EXPECT_EQ(check.claims->exp, kNow + 300);
}

TEST_F(Fixture, ExpiredIs401) {
  auto check = content_token_verify(core, token, "content", kNow + 300, view);
  EXPECT_EQ(check.status, 401);
  EXPECT_NE(check.error.find("expired"), std::string::npos);
}

TEST_F(Fixture, ForgedIs401) {
  auto other = Es256Key::generate();
  std::string forged = content_token_issue(other, {"sip:alice@ims.local", "content", kNow + 300, "id2"});
  EXPECT_EQ(content_token_verify(core, forged, "content", kNow, view).status, 401);
  std::string flipped = token;
  flipped[flipped.size() - 3] = flipped[flipped.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(content_token_verify(core, flipped, "content", kNow, view).status, 401);
  EXPECT_EQ(content_token_verify(core, "", "content", kNow, view).status, 401);
  EXPECT_EQ(content_token_verify(core, "x.y", "content", kNow, view).status, 401);
}

TEST_F(Fixture, WrongServiceIs403) {
  auto check = content_token_verify(core, token, "media", kNow, view);
  EXPECT_EQ(check.status, 403);
}

TEST_F(Fixture, RevokedSubscriberIs403) {
  active.clear();
  auto check = content_token_verify(core, token, "content", kNow, view);
  EXPECT_EQ(check.status, 403);
  EXPECT_NE(check.error.find("barred"), std::string::npos);
}

}  // namespace
}  // namespace imsguard::service
