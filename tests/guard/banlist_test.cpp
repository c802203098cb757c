#include "guard/banlist.h"

#include "helpers.h"

namespace imsguard::guard {
namespace {

Address addr(const char* s) { return Address::from(asio::ip::make_address(s)); }

TEST(BanList, BansExpireAfterTheirTtl) {
  BanList bans;
  EXPECT_TRUE(bans.ban(*parse_prefix("192.0.2.1"), 0, 10, "test", "flood", true, 1000));
  EXPECT_TRUE(bans.banned(addr("192.0.2.1"), 5060, false, 1000));
  EXPECT_TRUE(bans.banned(addr("192.0.2.1"), 5060, false, 10'999));
  EXPECT_FALSE(bans.banned(addr("192.0.2.1"), 5060, false, 11'000));
  EXPECT_FALSE(bans.banned(addr("192.0.2.2"), 5060, false, 1000));
}

TEST(BanList, PrefixBanCoversItsAddresses) {
  BanList bans;
  bans.ban(*parse_prefix("198.51.100.0/24"), 0, 60, "prefix flood", "flood", true, 0);
  EXPECT_TRUE(bans.banned(addr("198.51.100.250"), 1, false, 1));
  EXPECT_FALSE(bans.banned(addr("198.51.101.1"), 1, false, 1));
  bans.ban(*parse_prefix("2001:db8::/64"), 0, 60, "v6", "admin", false, 0);
  EXPECT_TRUE(bans.banned(addr("2001:db8::99"), 1, false, 1));
  EXPECT_FALSE(bans.banned(addr("2001:db8:0:1::1"), 1, false, 1));
}

TEST(BanList, AutomaticAddressBansSpareAuthenticatedFlowsButFlowAndAdminBansDoNot) {
  BanList bans;
  bans.ban(*parse_prefix("192.0.2.1"), 0, 60, "neighbour flooded", "flood", true, 0);
  EXPECT_TRUE(bans.banned(addr("192.0.2.1"), 5060, false, 1));
  EXPECT_FALSE(bans.banned(addr("192.0.2.1"), 5060, true, 1));  // a registered phone behind the NAT
  bans.ban(*parse_prefix("192.0.2.1"), 5061, 60, "this flow flooded", "flood", true, 0);
  EXPECT_TRUE(bans.banned(addr("192.0.2.1"), 5061, true, 1));
  EXPECT_FALSE(bans.banned(addr("192.0.2.1"), 5060, true, 1));
  bans.ban(*parse_prefix("203.0.113.9"), 0, 60, "operator", "admin", false, 0);
  EXPECT_TRUE(bans.banned(addr("203.0.113.9"), 5060, true, 1));
}

TEST(BanList, ListShowsReasonHitsAndTtlAndRemoveLiftsTheBan) {
  BanList bans;
  bans.ban(*parse_prefix("192.0.2.1"), 0, 30, "why not", "scanner", true, 0);
  EXPECT_FALSE(bans.ban(*parse_prefix("192.0.2.1"), 0, 60, "again", "scanner", true, 0));  // an extension
  bans.banned(addr("192.0.2.1"), 1, false, 10);
  bans.banned(addr("192.0.2.1"), 1, false, 20);
  auto list = bans.list(1000);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].hits, 2u);
  EXPECT_EQ(list[0].reason, "again");
  EXPECT_EQ(list[0].by, "scanner");
  EXPECT_EQ(list[0].expires_ms, 60'000);
  std::string line = list[0].to_string(1000);
  EXPECT_NE(line.find("192.0.2.1 ttl=59s hits=2 by=scanner reason=\"again\""), std::string::npos) << line;
  EXPECT_TRUE(bans.remove(*parse_prefix("192.0.2.1")));
  EXPECT_FALSE(bans.remove(*parse_prefix("192.0.2.1")));
  EXPECT_FALSE(bans.banned(addr("192.0.2.1"), 1, false, 1001));
}

TEST(BanList, StaysWithinCapacityKeepingOperatorBans) {
  BanList bans(4);
  bans.ban(*parse_prefix("10.0.0.99"), 0, 100, "r", "admin", false, 0);
  for (int i = 0; i < 3; ++i) bans.ban(*parse_prefix("10.0.0." + std::to_string(i)), 0, 100, "r", "flood", true, 0);
  for (int i = 0; i < 20; ++i) bans.ban(*parse_prefix("10.0.1." + std::to_string(i)), 0, 100, "r", "flood", true, 0);
  EXPECT_EQ(bans.size(), 4u);
  EXPECT_TRUE(bans.banned(addr("10.0.0.99"), 1, false, 1));
  EXPECT_TRUE(bans.banned(addr("10.0.1.19"), 1, false, 1));  // the newest got in
  // Expired bans are swept first.
  bans.ban(*parse_prefix("10.0.2.1"), 0, 100, "r", "flood", true, 200'000);
  EXPECT_EQ(bans.size(), 1u);
}

}  // namespace
}  // namespace imsguard::guard
