// StreamReceiver: the sink's accounting of a stream (good, lost, reordered, replayed,
// tampered, wrong payload), with and without SRTP.
#include "media/stream_receiver.h"

#include <gtest/gtest.h>

#include "media/rtp.h"

namespace imsguard::media {
namespace {

std::vector<uint8_t> packet(uint16_t seq) { return tone_packet({0, false, seq, seq * 160u, 0xabcdef}, kSrtpMaxTrailer); }

void feed(StreamReceiver& r, std::vector<uint8_t> p) { r.on_datagram(p.data(), p.size()); }

TEST(StreamReceiver, PlainStreamCountsGapsReorderingAndDuplicates) {
  StreamReceiver r(nullptr);
  feed(r, packet(65534));
  feed(r, packet(65535));
  feed(r, packet(1));  // wraps; 0 is missing for now
  EXPECT_EQ(r.stats().lost, 1u);
  feed(r, packet(0));  // late, not lost after all
  EXPECT_EQ(r.stats().lost, 0u);
  EXPECT_EQ(r.stats().out_of_order, 1u);
  feed(r, packet(1));  // duplicate
  EXPECT_EQ(r.stats().replays, 1u);
  auto wrong = packet(2);
  wrong[kRtpHeaderSize + 3] ^= 0xff;
  feed(r, wrong);
  EXPECT_EQ(r.stats().payload_mismatches, 1u);
  EXPECT_EQ(r.stats().ok, 4u);
  feed(r, sender_report(0xabcdef, 0, 4, 640, 0));
  EXPECT_EQ(r.stats().rtcp_ok, 1u);
}

TEST(StreamReceiver, SrtpStreamRejectsTamperedAndReplayedPackets) {
  std::vector<uint8_t> key(30, 7);
  std::string error;
  auto tx = SrtpSession::create(SrtpSuite::kAesCm128HmacSha1_80, key, SrtpSession::Direction::kSend, error);
  auto rx = SrtpSession::create(SrtpSuite::kAesCm128HmacSha1_80, key, SrtpSession::Direction::kReceive, error);
  ASSERT_TRUE(tx && rx) << error;
  StreamReceiver r(std::move(rx));
  std::vector<std::vector<uint8_t>> sent;
  for (uint16_t s = 10; s < 20; ++s) {
    auto p = packet(s);
    ASSERT_EQ(tx->protect_rtp(p), SrtpStatus::kOk);
    sent.push_back(p);
  }
  for (auto& p : sent) feed(r, p);
  feed(r, sent[3]);  // replay
  auto tampered = packet(20);  // a fresh one: a received index is a replay before any MAC check
  ASSERT_EQ(tx->protect_rtp(tampered), SrtpStatus::kOk);
  tampered[20] ^= 1;
  feed(r, tampered);
  auto sr = sender_report(0xabcdef, 0, 10, 1600, kSrtpMaxTrailer);
  ASSERT_EQ(tx->protect_rtcp(sr), SrtpStatus::kOk);
  feed(r, sr);
  EXPECT_EQ(r.stats().rtcp_ok, 1u);
  auto plain_sr = sender_report(0xabcdef, 0, 10, 1600, 0);
  feed(r, plain_sr);  // unauthenticated RTCP on a keyed stream
  EXPECT_EQ(r.stats().ok, 10u);
  EXPECT_EQ(r.stats().replays, 1u);
  EXPECT_EQ(r.stats().auth_failures, 1u);
  EXPECT_EQ(r.stats().rtcp_ok, 1u);
  EXPECT_EQ(r.stats().rtcp_failed, 1u);
  EXPECT_EQ(r.stats().lost, 0u);
}

}  // namespace
}  // namespace imsguard::media
