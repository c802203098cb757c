// SrtpSession over libsrtp: an RFC 3711 packet cross-computed from the B.3 session keys,
// round trips for every suite, and the tamper and replay rejections (counted).
#include "media/srtp_session.h"

#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include <algorithm>

#include "media/rtp.h"
#include "media/srtp_kdf.h"
#include "ops/counters.h"
#include "../support/test_telemetry.h"
#include "vectors.h"
#include "made.h"

namespace imsguard::media {
namespace {

using made_for_tests::make_endpoint;
using made_for_tests::make_identity;
using made_for_tests::make_session;

using testdata::hex;

std::vector<uint8_t> concat(std::vector<uint8_t> a, const std::vector<uint8_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<uint8_t> test_key(SrtpSuite suite, uint8_t seed) {
  std::vector<uint8_t> k(master_length(suite));
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(seed + i * 7);
  return k;
}

std::vector<uint8_t> rtp_packet(uint16_t seq, uint32_t ssrc = 0x11223344) {
  RtpHeader h;
  h.sequence = seq;
  h.timestamp = seq * 160u;
  h.ssrc = ssrc;
  return tone_packet(h, kSrtpMaxTrailer);
}

struct Pair {
  std::unique_ptr<SrtpSession> tx, rx;
};

// `counters`: where the receiving session counts its failures (none: not counted).
Pair make_pair(SrtpSuite suite, const SrtpCounters* counters = nullptr) {
  std::string error;
  auto key = test_key(suite, 3);
  Pair p{make_session(suite, key, SrtpSession::Direction::kSend, error),
         make_session(suite, key, SrtpSession::Direction::kReceive, error, counters)};
  EXPECT_TRUE(p.tx && p.rx) << error;
  return p;
}

// The RFC 3711 packet for master key/salt of B.3, computed by hand from the session keys the
// RFC prints: keystream = AES-CM(k_e, IV) with IV = (k_s << 16) ^ (SSRC << 64) ^ (index << 16),
// tag = HMAC-SHA1(k_a, header || ciphertext || ROC) truncated to 80 bits.
TEST(SrtpSession, ProtectMatchesRfc3711ComputedFromTheB3SessionKeys) {
  auto v = testdata::srtp_vectors();
  ASSERT_FALSE(v.is_discarded());
  const auto& b3 = v["rfc3711_b3_key_derivation"];
  auto master = concat(hex(b3["master_key"]), hex(b3["master_salt"]));
  auto ke = hex(b3["srtp_encryption_key"]["result"]);
  auto ks = hex(b3["srtp_salting_key"]["result"]);
  auto ka = hex(b3["srtp_authentication_key"]["result"]);
  ASSERT_EQ(ks.size(), 14u);

  std::string error;
  auto tx = make_session(SrtpSuite::kAesCm128HmacSha1_80, master, SrtpSession::Direction::kSend, error);
  ASSERT_TRUE(tx) << error;
  const uint16_t seq = 0x1234;
  const uint32_t ssrc = 0xdeadbeef;
  auto plain = rtp_packet(seq, ssrc);
  auto packet = plain;
  ASSERT_EQ(tx->protect_rtp(packet), SrtpStatus::kOk);
  ASSERT_EQ(packet.size(), plain.size() + 10);

  uint8_t iv[16] = {};
  std::copy(ks.begin(), ks.end(), iv);
  for (int i = 0; i < 4; ++i) iv[4 + i] ^= static_cast<uint8_t>(ssrc >> (24 - 8 * i));
  iv[12] ^= static_cast<uint8_t>(seq >> 8);  // index = ROC (0) || SEQ, bytes 8..13
  iv[13] ^= static_cast<uint8_t>(seq);
  size_t payload = plain.size() - kRtpHeaderSize;
  auto stream = aes_cm_keystream(ke, std::span<const uint8_t>(iv, 16), 0, (payload + 15) / 16);
  ASSERT_TRUE(stream);
  std::vector<uint8_t> expected(plain.begin(), plain.begin() + kRtpHeaderSize);
  for (size_t i = 0; i < payload; ++i) expected.push_back(plain[kRtpHeaderSize + i] ^ (*stream)[i]);
  std::vector<uint8_t> auth_input = expected;
  auth_input.insert(auth_input.end(), {0, 0, 0, 0});  // ROC
  unsigned char mac[20];
  unsigned int len = 0;
  HMAC(EVP_sha1(), ka.data(), static_cast<int>(ka.size()), auth_input.data(), auth_input.size(), mac, &len);
  expected.insert(expected.end(), mac, mac + 10);
  EXPECT_EQ(packet, expected);

  // And our own derivation of those session keys agrees with the RFC's.
  auto mk = hex(b3["master_key"]), ms = hex(b3["master_salt"]);
  EXPECT_EQ(derive_session_key(mk, ms, KdfLabel::kRtpEncryption, 16), ke);
}

class EverySuite : public ::testing::TestWithParam<SrtpSuite> {};

TEST_P(EverySuite, RoundTripsRtpAndRtcpAndHidesThePayload) {
  auto p = make_pair(GetParam());
  ASSERT_TRUE(p.tx && p.rx);
  const auto& tone = tone_frame();
  for (uint16_t seq = 100; seq < 110; ++seq) {
    auto plain = rtp_packet(seq);
    auto packet = plain;
    ASSERT_EQ(p.tx->protect_rtp(packet), SrtpStatus::kOk);
    EXPECT_GT(packet.size(), plain.size());
    EXPECT_EQ(std::search(packet.begin(), packet.end(), tone.begin(), tone.begin() + 16), packet.end());
    ASSERT_EQ(p.rx->unprotect_rtp(packet), SrtpStatus::kOk);
    EXPECT_EQ(packet, plain);
  }
  auto sr = sender_report(0x11223344, 1600, 10, 1600, kSrtpMaxTrailer);
  auto protected_sr = sr;
  ASSERT_EQ(p.tx->protect_rtcp(protected_sr), SrtpStatus::kOk);
  EXPECT_NE(protected_sr, sr);
  ASSERT_EQ(p.rx->unprotect_rtcp(protected_sr), SrtpStatus::kOk);
  EXPECT_EQ(protected_sr, sr);
  EXPECT_EQ(p.rx->stats().unprotected_packets, 11u);
}

TEST_P(EverySuite, AFlippedBitFailsAuthenticationAndIsCounted) {
  test::Telemetry t;
  SrtpCounters counters(t.metrics);
  auto p = make_pair(GetParam(), &counters);
  ASSERT_TRUE(p.tx && p.rx);
  auto packet = rtp_packet(7);
  ASSERT_EQ(p.tx->protect_rtp(packet), SrtpStatus::kOk);
  for (size_t bit : {size_t{3 * 8}, (kRtpHeaderSize + 5) * 8 + 2, packet.size() * 8 - 1}) {
    auto tampered = packet;
    tampered[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    EXPECT_EQ(p.rx->unprotect_rtp(tampered), SrtpStatus::kAuthFailed) << "bit " << bit;
  }
  EXPECT_EQ(p.rx->stats().auth_failures, 3u);
  EXPECT_EQ(t.value("imsguard_srtp_auth_failures_total"), 3u);
  // The genuine packet still passes: the failures did not advance the replay window.
  EXPECT_EQ(p.rx->unprotect_rtp(packet), SrtpStatus::kOk);
}

TEST_P(EverySuite, TheSamePacketTwiceIsAReplayAndIsCounted) {
  test::Telemetry t;
  SrtpCounters counters(t.metrics);
  auto p = make_pair(GetParam(), &counters);
  ASSERT_TRUE(p.tx && p.rx);
  auto packet = rtp_packet(42);
  ASSERT_EQ(p.tx->protect_rtp(packet), SrtpStatus::kOk);
  auto copy = packet;
  EXPECT_EQ(p.rx->unprotect_rtp(packet), SrtpStatus::kOk);
  EXPECT_EQ(p.rx->unprotect_rtp(copy), SrtpStatus::kReplay);
  EXPECT_EQ(p.rx->stats().replays, 1u);
  EXPECT_EQ(t.value("imsguard_srtp_replays_total"), 1u);

  auto sr = sender_report(0x11223344, 0, 1, 160, kSrtpMaxTrailer);
  ASSERT_EQ(p.tx->protect_rtcp(sr), SrtpStatus::kOk);
  auto sr_copy = sr;
  EXPECT_EQ(p.rx->unprotect_rtcp(sr), SrtpStatus::kOk);
  EXPECT_EQ(p.rx->unprotect_rtcp(sr_copy), SrtpStatus::kReplay);
}

TEST_P(EverySuite, AnotherKeyCannotAuthenticate) {
  std::string error;
  auto tx = make_session(GetParam(), test_key(GetParam(), 1), SrtpSession::Direction::kSend, error);
  auto rx = make_session(GetParam(), test_key(GetParam(), 2), SrtpSession::Direction::kReceive, error);
  ASSERT_TRUE(tx && rx) << error;
  auto packet = rtp_packet(1);
  ASSERT_EQ(tx->protect_rtp(packet), SrtpStatus::kOk);
  EXPECT_EQ(rx->unprotect_rtp(packet), SrtpStatus::kAuthFailed);
}

INSTANTIATE_TEST_SUITE_P(Suites, EverySuite,
                         ::testing::Values(SrtpSuite::kAesCm128HmacSha1_80, SrtpSuite::kAesCm128HmacSha1_32,
                                           SrtpSuite::kAeadAes128Gcm),
                         [](const auto& param_info) {
                           std::string n(suite_info(param_info.param).sdes_name);
                           std::replace(n.begin(), n.end(), '_', 'x');
                           return n;
                         });

TEST(SrtpSession, TagLengthsFollowTheSuite) {
  for (auto [suite, tag] : {std::pair{SrtpSuite::kAesCm128HmacSha1_80, 10u}, {SrtpSuite::kAesCm128HmacSha1_32, 4u},
                            {SrtpSuite::kAeadAes128Gcm, 16u}}) {
    auto p = make_pair(suite);
    ASSERT_TRUE(p.tx);
    auto packet = rtp_packet(1);
    size_t before = packet.size();
    ASSERT_EQ(p.tx->protect_rtp(packet), SrtpStatus::kOk);
    EXPECT_EQ(packet.size() - before, tag) << suite_info(suite).sdes_name;
  }
}

TEST(SrtpSession, RefusesAKeyOfTheWrongLengthAndShortPackets) {
  std::vector<uint8_t> key(29);
  auto refused = SrtpSession::create(SrtpSuite::kAesCm128HmacSha1_80, key, SrtpSession::Direction::kSend);
  EXPECT_EQ(refused.code(), Code::kInvalid);
  EXPECT_NE(refused.message().find("30 bytes"), std::string::npos) << refused.message();
  auto p = make_pair(SrtpSuite::kAesCm128HmacSha1_80);
  ASSERT_TRUE(p.rx);
  std::vector<uint8_t> runt(5, 0x80);
  EXPECT_EQ(p.rx->unprotect_rtp(runt), SrtpStatus::kMalformed);
  EXPECT_EQ(p.rx->unprotect_rtcp(runt), SrtpStatus::kMalformed);
  // A receiver does not protect, a sender does not unprotect.
  auto packet = rtp_packet(1);
  EXPECT_NE(p.rx->protect_rtp(packet), SrtpStatus::kOk);
}

}  // namespace
}  // namespace imsguard::media
