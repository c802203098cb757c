// StreamReceiver: the sink's accounting of a stream (good, lost, reordered, replayed,
// tampered, wrong payload), with and without SRTP.
#include "media/stream_receiver.h"

#include <gtest/gtest.h>

#include "media/rtp.h"
#include "made.h"

namespace imsguard::media {
namespace {

using made_for_tests::make_endpoint;
using made_for_tests::make_identity;
using made_for_tests::make_session;

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
  auto tx = make_session(SrtpSuite::kAesCm128HmacSha1_80, key, SrtpSession::Direction::kSend, error);
  auto rx = make_session(SrtpSuite::kAesCm128HmacSha1_80, key, SrtpSession::Direction::kReceive, error);
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

// The receiver report the client sends back: highest sequence, losses (cumulative and the
// fraction since the previous report), the last SR echoed; SRTCP-protected with the
// client's key, it authenticates at the source with the same key.
TEST(StreamReceiver, ReceiverReportDescribesTheStreamAndAuthenticatesAtTheSource) {
  StreamReceiver r(nullptr);
  auto now = std::chrono::steady_clock::now();
  EXPECT_FALSE(r.report_block(now)) << "no report before any packet";
  feed(r, packet(100));
  feed(r, packet(101));
  feed(r, packet(104));  // 102 and 103 lost
  auto sr = sender_report(0xabcdef, 0, 3, 480, 0);
  feed(r, sr);
  auto block = r.report_block(now);
  ASSERT_TRUE(block);
  EXPECT_EQ(block->source_ssrc, 0xabcdefu);
  EXPECT_EQ(block->extended_highest & 0xffff, 104u);
  EXPECT_EQ(block->cumulative_lost, 2u);
  EXPECT_EQ(block->fraction_lost, 2 * 256 / 5);
  uint32_t lsr = uint32_t{sr[10]} << 24 | uint32_t{sr[11]} << 16 | uint32_t{sr[12]} << 8 | sr[13];
  EXPECT_EQ(block->last_sr, lsr);
  feed(r, packet(105));
  EXPECT_EQ(r.report_block(now)->fraction_lost, 0) << "nothing lost since the previous report";

  auto rr = receiver_report(0x1234, *block);
  ASSERT_EQ(rr.size(), 32u);
  EXPECT_EQ(rr[0], 0x81);
  EXPECT_EQ(rr[1], 201);
  EXPECT_EQ(rr[12], 2 * 256 / 5);                      // fraction lost
  EXPECT_EQ(rr[15], 2);                                 // cumulative lost, low byte
  EXPECT_EQ(rr[18] << 8 | rr[19], 104);                 // highest sequence, low 16 bits

  std::vector<uint8_t> key(30, 9);
  std::string error;
  auto client_tx = make_session(SrtpSuite::kAesCm128HmacSha1_80, key, SrtpSession::Direction::kSend, error);
  auto source_rx = make_session(SrtpSuite::kAesCm128HmacSha1_80, key, SrtpSession::Direction::kReceive, error);
  ASSERT_TRUE(client_tx && source_rx) << error;
  size_t len = rr.size();
  rr.resize(len + kSrtpMaxTrailer + 8);
  ASSERT_EQ(client_tx->protect_rtcp(rr.data(), len, rr.size()), SrtpStatus::kOk);
  auto tampered = rr;
  tampered[20] ^= 1;
  size_t tampered_len = len;
  EXPECT_NE(source_rx->unprotect_rtcp(tampered.data(), tampered_len), SrtpStatus::kOk);
  EXPECT_EQ(source_rx->unprotect_rtcp(rr.data(), len), SrtpStatus::kOk);
  EXPECT_EQ(len, 32u);
}

}  // namespace
}  // namespace imsguard::media
