// RTP header layout, the tone frame and mu-law.
#include "media/rtp.h"

#include <gtest/gtest.h>

namespace imsguard::media {
namespace {

TEST(Rtp, HeaderRoundTrips) {
  RtpHeader h{0, true, 0xfffe, 0x01020304, 0xcafebabe};
  auto p = tone_packet(h, 0);
  ASSERT_EQ(p.size(), kRtpHeaderSize + kPcmuFrameSamples);
  auto parsed = parse_rtp(p);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->header.sequence, 0xfffe);
  EXPECT_EQ(parsed->header.timestamp, 0x01020304u);
  EXPECT_EQ(parsed->header.ssrc, 0xcafebabeu);
  EXPECT_TRUE(parsed->header.marker);
  EXPECT_EQ(parsed->payload_offset, kRtpHeaderSize);
  EXPECT_EQ(parsed->payload_size, kPcmuFrameSamples);
  EXPECT_FALSE(is_rtcp(p));
  EXPECT_TRUE(is_rtcp(sender_report(1, 2, 3, 4, 0)));
}

TEST(Rtp, RefusesTruncatedOrForeignPackets) {
  std::vector<uint8_t> short_packet(11, 0x80);
  EXPECT_FALSE(parse_rtp(short_packet));
  auto p = tone_packet({}, 0);
  p[0] = 0x40;  // version 1
  EXPECT_FALSE(parse_rtp(p));
  p[0] = 0x8f;  // 15 CSRCs announced, not present
  p.resize(20);
  EXPECT_FALSE(parse_rtp(p));
}

TEST(Rtp, MuLawKnownValuesAndATonePeriodicIn8Samples) {
  EXPECT_EQ(linear_to_ulaw(0), 0xff);
  EXPECT_EQ(linear_to_ulaw(-1), 0x7f);
  EXPECT_EQ(linear_to_ulaw(32767), 0x80);
  EXPECT_EQ(linear_to_ulaw(-32768), 0x00);
  const auto& f = tone_frame();
  ASSERT_EQ(f.size(), kPcmuFrameSamples);
  for (size_t i = 8; i < f.size(); ++i) EXPECT_EQ(f[i], f[i - 8]);
  EXPECT_NE(f[0], f[2]);
}

}  // namespace
}  // namespace imsguard::media
