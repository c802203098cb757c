// The media sink's failures carry whose fault they were: an address that is not an IP
// address is the caller's (kInvalid), a bind that the host refuses is the system's
// (kUnavailable); the message stays the socket layer's own words.
#include "client/media_sink.h"

#include <gtest/gtest.h>

namespace imsguard::client {
namespace {

TEST(MediaSink, OpensAPortOnLoopback) {
  auto sink = MediaSink::open("127.0.0.1");
  ASSERT_TRUE(sink.ok()) << sink.message();
  EXPECT_NE((*sink)->port(), 0);
  EXPECT_EQ((*sink)->address(), "127.0.0.1");
}

TEST(MediaSink, AnAddressThatIsNotAnIpAddressIsInvalid) {
  for (const char* bad : {"not-an-address", "127.0.0.256", "", "[::1"}) {
    auto sink = MediaSink::open(bad);
    EXPECT_FALSE(sink.ok()) << bad;
    EXPECT_EQ(sink.code(), Code::kInvalid) << bad << ": " << sink.message();
    EXPECT_NE(sink.message().find("is not an IP address"), std::string::npos) << sink.message();
  }
}

TEST(MediaSink, AnAddressNotOnThisHostIsUnavailable) {
  // 203.0.113.0/24 is TEST-NET-3 (RFC 5737): documentation only, on no interface here.
  auto sink = MediaSink::open("203.0.113.77");
  EXPECT_FALSE(sink.ok());
  EXPECT_EQ(sink.code(), Code::kUnavailable) << sink.message();
  EXPECT_NE(sink.message().find("bind 203.0.113.77"), std::string::npos) << sink.message();
}

TEST(MediaSink, ConnectToAPeerThatIsNotAnIpAddressIsInvalid) {
  auto sink = MediaSink::open("127.0.0.1");
  ASSERT_TRUE(sink.ok()) << sink.message();
  Status bad = (*sink)->connect("peer.example", 4000);
  EXPECT_EQ(bad.code(), Code::kInvalid) << bad.message();
  EXPECT_TRUE((*sink)->connect("127.0.0.1", 4000).ok());
}

}  // namespace
}  // namespace imsguard::client
