// strip_sdes_for_plain_flow: what the edge calls on SDP that crossed a non-TLS hop.
#include "media/sdes_strip.h"

#include <gtest/gtest.h>

#include "media/multipart.h"
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
  ASSERT_TRUE(parsed) << parsed.message();
  ASSERT_EQ(parsed->media.size(), 1u);
  EXPECT_EQ(parsed->media[0].proto, "RTP/SAVP");
  EXPECT_TRUE(parsed->media[0].attributes.rtpmap(0));
  EXPECT_EQ(parsed->media[0].attributes.direction(), sip::SdpDirection::kSendRecv);
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

namespace imsguard::media {
namespace {

std::string multipart(const std::string& sdp_type, const std::string& extra_headers = "") {
  return "--unique-boundary-1\r\nContent-Type: text/plain\r\n\r\nhi\r\n--unique-boundary-1\r\nContent-Type: " +
         sdp_type + "\r\n" + extra_headers + "\r\n" + kOffer + "\r\n--unique-boundary-1--\r\n";
}

TEST(SdesStripBody, SdpTypeIsMatchedCaseInsensitivelyWithParameters) {
  for (const char* ct : {"application/sdp", "Application/SDP", "APPLICATION/SDP; charset=UTF-8", "application / sdp"}) {
    auto r = strip_sdes_from_body(ct, "", kOffer);
    ASSERT_EQ(r.verdict, SdesVerdict::kStripped) << ct;
    EXPECT_EQ(r.body.find("inline:"), std::string::npos) << ct;
    EXPECT_NE(r.body.find("m=audio 40000 RTP/SAVP 0"), std::string::npos);
  }
}

TEST(SdesStripBody, MultipartSdpPartsLoseTheirKeysAndKeepTheirStructure) {
  for (const char* sub : {"mixed", "alternative", "related", "Mixed"}) {
    std::string ct = std::string("multipart/") + sub + "; boundary=unique-boundary-1";
    auto r = strip_sdes_from_body(ct, "", multipart("Application/SDP"));
    ASSERT_EQ(r.verdict, SdesVerdict::kStripped) << sub << r.reason;
    EXPECT_EQ(r.content_type, ct);
    EXPECT_EQ(r.body.find("inline:"), std::string::npos) << r.body;
    auto split = split_multipart(r.body, "unique-boundary-1");
    ASSERT_TRUE(split.error.empty()) << split.error;
    ASSERT_EQ(split.parts.size(), 2u);
    EXPECT_NE(split.parts[1].content.find("a=rtpmap:0 PCMU/8000"), std::string::npos);
  }
  // Nested: multipart/related inside multipart/mixed.
  std::string inner = multipart("application/sdp");
  std::string outer = "--outer\r\nContent-Type: multipart/related; boundary=\"unique-boundary-1\"\r\n\r\n" + inner +
                      "\r\n--outer--\r\n";
  auto r = strip_sdes_from_body("multipart/mixed;boundary=outer", "", outer);
  ASSERT_EQ(r.verdict, SdesVerdict::kStripped) << r.reason;
  EXPECT_EQ(r.body.find("inline:"), std::string::npos);
}

TEST(SdesStripBody, UnreadableBodiesThatMightHoldSdpAreRefused) {
  auto expect_refused = [](std::string_view ct, std::string_view ce, const std::string& body, int code) {
    auto r = strip_sdes_from_body(ct, ce, body);
    EXPECT_EQ(r.verdict, SdesVerdict::kRefused) << ct << " " << ce;
    EXPECT_EQ(r.code, code) << ct;
    EXPECT_FALSE(r.reason.empty());
  };
  expect_refused("multipart/mixed", "", multipart("application/sdp"), 400);                        // no boundary
  expect_refused("multipart/mixed; boundary=other", "", multipart("application/sdp"), 400);        // wrong boundary
  expect_refused("multipart/mixed; boundary=unique-boundary-1", "",
                 multipart("application/sdp").substr(0, 120), 400);                                // no close
  expect_refused("multipart/mixed; boundary=unique-boundary-1", "",
                 multipart("application/sdp", "Content-Transfer-Encoding: base64\r\n"), 400);      // hidden lines
  expect_refused("application/sdp", "gzip", kOffer, 415);
  expect_refused("", "", kOffer, 400);
  expect_refused("application/sdp;", "", kOffer, 400);
}

TEST(SdesStripBody, OtherTypesAndKeylessBodiesAreLeftAlone) {
  EXPECT_EQ(strip_sdes_from_body("text/plain", "", kOffer).verdict, SdesVerdict::kUnchanged);
  EXPECT_EQ(strip_sdes_from_body("application/sdp", "", "v=0\r\nm=audio 1 RTP/AVP 0\r\n").verdict,
            SdesVerdict::kUnchanged);
  EXPECT_EQ(strip_sdes_from_body("multipart/mixed; boundary=b", "",
                                 "--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--\r\n").verdict,
            SdesVerdict::kUnchanged);
  EXPECT_EQ(strip_sdes_from_body("", "", "").verdict, SdesVerdict::kUnchanged);
}

}  // namespace
}  // namespace imsguard::media
