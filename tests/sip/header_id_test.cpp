#include "sip/header_id.h"

#include <gtest/gtest.h>

namespace imsguard::sip {
namespace {

TEST(HeaderIdTest, LongNamesAnyCase) {
  EXPECT_EQ(lookup_header("Via"), HeaderId::kVia);
  EXPECT_EQ(lookup_header("MaX-fOrWaRdS"), HeaderId::kMaxForwards);
  EXPECT_EQ(lookup_header("call-id"), HeaderId::kCallId);
  EXPECT_EQ(lookup_header("P-Asserted-Identity"), HeaderId::kPAssertedIdentity);
  EXPECT_EQ(lookup_header("security-verify"), HeaderId::kSecurityVerify);
  EXPECT_EQ(lookup_header("WWW-Authenticate"), HeaderId::kWwwAuthenticate);
}

TEST(HeaderIdTest, CompactForms) {
  EXPECT_EQ(lookup_header("v"), HeaderId::kVia);
  EXPECT_EQ(lookup_header("F"), HeaderId::kFrom);
  EXPECT_EQ(lookup_header("t"), HeaderId::kTo);
  EXPECT_EQ(lookup_header("i"), HeaderId::kCallId);
  EXPECT_EQ(lookup_header("M"), HeaderId::kContact);
  EXPECT_EQ(lookup_header("l"), HeaderId::kContentLength);
  EXPECT_EQ(lookup_header("c"), HeaderId::kContentType);
  EXPECT_EQ(lookup_header("k"), HeaderId::kSupported);
  EXPECT_EQ(lookup_header("s"), HeaderId::kSubject);
  EXPECT_EQ(lookup_header("o"), HeaderId::kEvent);
}

TEST(HeaderIdTest, UnknownAndLookalikes) {
  EXPECT_EQ(lookup_header("C%6Fntact"), HeaderId::kOther);  // RFC 4475 esc02
  EXPECT_EQ(lookup_header("Vias"), HeaderId::kOther);
  EXPECT_EQ(lookup_header(""), HeaderId::kOther);
  EXPECT_EQ(lookup_header("q"), HeaderId::kOther);
  EXPECT_EQ(lookup_header("1"), HeaderId::kOther);
}

TEST(HeaderIdTest, CanonicalNamesRoundTrip) {
  for (size_t i = 1; i < kHeaderIdCount; ++i) {
    HeaderId id = static_cast<HeaderId>(i);
    ASSERT_FALSE(header_name(id).empty()) << i;
    EXPECT_EQ(lookup_header(header_name(id)), id) << header_name(id);
  }
  EXPECT_TRUE(is_list_header(HeaderId::kVia));
  EXPECT_FALSE(is_list_header(HeaderId::kCallId));
  EXPECT_FALSE(is_list_header(HeaderId::kAuthorization));
}

}  // namespace
}  // namespace imsguard::sip
