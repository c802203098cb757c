// parse_media_type: RFC 2045/7231 media types, case-insensitive, parameters apart.
#include "media/media_type.h"

#include <gtest/gtest.h>

namespace imsguard::media {
namespace {

TEST(MediaType, CaseAndParametersDoNotChangeTheType) {
  for (const char* v : {"application/sdp", "Application/SDP", "APPLICATION/sdp ; charset=utf-8",
                        "application / sdp", "application/sdp;version=\"1;2\"", "\tapplication/Sdp\t"}) {
    auto t = parse_media_type(v);
    ASSERT_TRUE(t) << v;
    EXPECT_TRUE(t->is("application", "sdp")) << v;
  }
}

TEST(MediaType, ParametersAreUnquotedAndNamesLowerCased) {
  auto t = parse_media_type("Multipart/Mixed; Boundary=\"a b\\\"c\"; x=y");
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->is("multipart", "mixed"));
  ASSERT_NE(t->parameter("boundary"), nullptr);
  EXPECT_EQ(*t->parameter("boundary"), "a b\"c");
  EXPECT_EQ(*t->parameter("x"), "y");
  EXPECT_EQ(t->parameter("charset"), nullptr);
}

TEST(MediaType, MalformedValuesAreRejected) {
  for (const char* v : {"", "application", "application/", "/sdp", "application/sdp;", "application/sdp; a",
                        "application/sdp; a=", "application/sdp; a=\"open", "application/sdp extra",
                        "appli cation/sdp"})
    EXPECT_FALSE(parse_media_type(v)) << v;
}

}  // namespace
}  // namespace imsguard::media
