// strip_sdes_for_plain_flow: what the edge calls on SDP that crossed a non-TLS hop.
#include "media/sdes_strip.h"

#include <gtest/gtest.h>

#include "sip/sdp.h"

namespace imsguard::media {
namespace {

const char kOffer[] =
    "v=0\r\n"
    "o=alice 1 1 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "c=IN IP4 127.0.0.1\r\n"
    "t=0 0\r\n"
    "m=audio 40000 RTP/SAVP 0\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n"
    "a=crypto:2 AEAD_AES_128_GCM inline:MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3OA==\r\n"
    "a=sendrecv\r\n";

TEST(SdesStrip, RemovesEveryCryptoLineAndKeepsTheRest) {
  bool stripped = false;
  std::string out = strip_sdes_for_plain_flow(kOffer, stripped);
  EXPECT_TRUE(stripped);
  EXPECT_EQ(out.find("crypto"), std::string::npos) << out;
  EXPECT_EQ(out.find("PS1uQ"), std::string::npos);
  auto parsed = sip::parse_sdp(out);
  ASSERT_TRUE(parsed) << parsed.error;
  ASSERT_EQ(parsed.sdp->media.size(), 1u);
  EXPECT_EQ(parsed.sdp->media[0].proto, "RTP/SAVP");
  EXPECT_TRUE(parsed.sdp->media[0].attributes.rtpmap(0));
  EXPECT_EQ(parsed.sdp->media[0].attributes.direction(), sip::SdpDirection::kSendRecv);
}

TEST(SdesStrip, LeavesSdpWithoutKeysUntouched) {
  std::string plain =
      "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
  bool stripped = true;
  EXPECT_EQ(strip_sdes_for_plain_flow(plain, stripped), plain);
  EXPECT_FALSE(stripped);
}

TEST(SdesStrip, MalformedOrOddlyCasedBodiesLoseTheirKeysToo) {
  // Not valid SDP (m= before t=), but a lenient peer might read it: keys go anyway.
  std::string bad = "v=0\nm=audio 4000 RTP/SAVP 0\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:SECRETSECRET\nt=0 0\n";
  bool stripped = false;
  std::string out = strip_sdes_for_plain_flow(bad, stripped);
  EXPECT_TRUE(stripped);
  EXPECT_EQ(out.find("SECRET"), std::string::npos) << out;
  EXPECT_NE(out.find("m=audio"), std::string::npos);

  std::string upper = std::string(kOffer) + "a=CRYPTO:3 AES_CM_128_HMAC_SHA1_32 inline:UPPERCASEKEY\r\n";
  out = strip_sdes_for_plain_flow(upper, stripped);
  EXPECT_TRUE(stripped);
  EXPECT_EQ(out.find("UPPERCASEKEY"), std::string::npos) << out;
}

}  // namespace
}  // namespace imsguard::media
