// src/media/srtp_openssl against Debian's libsrtp2 with its own NSS primitives, run as a
// separate process (tests/media/srtp_stock_reference.cpp): the same keys and packets must
// give byte-identical SRTP and SRTCP, across a sequence-number wrap (rollover counter), for
// every suite (GCM's keys are derived with the AES-ICM this module replaces), and each side
// must accept what the other protected.
#include "media/srtp_openssl.h"

#include <gtest/gtest.h>
#include <openssl/rand.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "crypto/hex.h"
#include "media/rtp.h"
#include "media/srtp_session.h"
#include "process.h"
#include "made.h"

namespace imsguard::media {
namespace {

using made_for_tests::make_endpoint;
using made_for_tests::make_identity;
using made_for_tests::make_session;

struct Packet {
  bool rtcp = false;
  std::vector<uint8_t> bytes;
};

std::vector<uint8_t> random_bytes(size_t n) {
  std::vector<uint8_t> v(n);
  RAND_bytes(v.data(), static_cast<int>(n));
  return v;
}

// RTP packets from sequence 65530 through the wrap to 9, payloads of 0 to 400 octets, and an
// RTCP sender report after every fifth.
std::vector<Packet> traffic() {
  std::vector<Packet> out;
  RtpHeader h;
  h.payload_type = 0;
  h.sequence = 65530;
  h.timestamp = 1000;
  h.ssrc = 0x11223344;
  for (int i = 0; i < 16; ++i) {
    Packet p;
    size_t payload = static_cast<size_t>((i * 97) % 401);
    p.bytes.resize(kRtpHeaderSize + payload);
    write_rtp_header(h, p.bytes.data());
    auto body = random_bytes(payload);
    std::copy(body.begin(), body.end(), p.bytes.begin() + kRtpHeaderSize);
    out.push_back(p);
    if (i % 5 == 4) out.push_back({true, sender_report(h.ssrc, h.timestamp, static_cast<uint32_t>(i), 160u * i, 0)});
    ++h.sequence;
    h.timestamp += 160;
  }
  return out;
}

// The reference's protected packets, in order.
std::vector<std::string> reference(int suite, const std::vector<uint8_t>& key, const std::vector<Packet>& packets) {
  std::string dir = testkit::make_temp_dir("imsguard-srtp-ref");
  std::ostringstream in;
  in << suite << " " << crypto::to_hex(key) << "\n";
  for (const auto& p : packets) in << (p.rtcp ? "c " : "r ") << crypto::to_hex(p.bytes) << "\n";
  testkit::write_file(dir + "/in.txt", in.str());
  std::string cmd = std::string(SRTP_STOCK_REFERENCE) + " < " + dir + "/in.txt > " + dir + "/out.txt";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::vector<std::string> out;
  std::ifstream f(dir + "/out.txt");
  for (std::string line; std::getline(f, line);) out.push_back(line);
  return out;
}

class SrtpOpenSsl : public ::testing::TestWithParam<SrtpSuite> {};

TEST_P(SrtpOpenSsl, ProtectsExactlyAsStockLibsrtpAndBothSidesInteroperate) {
  SrtpSuite suite = GetParam();
  auto key = random_bytes(master_length(suite));
  std::string error;
  auto tx = make_session(suite, key, SrtpSession::Direction::kSend, error);
  ASSERT_TRUE(tx) << error;
  auto rx = make_session(suite, key, SrtpSession::Direction::kReceive, error);
  ASSERT_TRUE(rx) << error;
  auto packets = traffic();
  auto expected = reference(static_cast<int>(suite), key, packets);
  ASSERT_EQ(expected.size(), packets.size());
  for (size_t i = 0; i < packets.size(); ++i) {
    std::vector<uint8_t> ours = packets[i].bytes;
    ASSERT_EQ(packets[i].rtcp ? tx->protect_rtcp(ours) : tx->protect_rtp(ours), SrtpStatus::kOk) << i;
    EXPECT_EQ(crypto::to_hex(ours), expected[i]) << "packet " << i << (packets[i].rtcp ? " (RTCP)" : " (RTP)");
    // What the stock library protected, we authenticate and decrypt to the original.
    auto theirs = crypto::from_hex(expected[i]);
    ASSERT_TRUE(theirs.has_value()) << expected[i];
    std::vector<uint8_t> back(theirs->begin(), theirs->end());
    ASSERT_EQ(packets[i].rtcp ? rx->unprotect_rtcp(back) : rx->unprotect_rtp(back), SrtpStatus::kOk) << i;
    EXPECT_EQ(back, packets[i].bytes) << i;
  }
}

TEST_P(SrtpOpenSsl, OneFlippedBitFailsAuthentication) {
  SrtpSuite suite = GetParam();
  auto key = random_bytes(master_length(suite));
  std::string error;
  auto tx = make_session(suite, key, SrtpSession::Direction::kSend, error);
  auto rx = make_session(suite, key, SrtpSession::Direction::kReceive, error);
  ASSERT_TRUE(tx && rx) << error;
  auto packets = traffic();
  std::vector<uint8_t> p = packets[1].bytes;
  ASSERT_EQ(tx->protect_rtp(p), SrtpStatus::kOk);
  p[kRtpHeaderSize + 3] ^= 0x01;
  EXPECT_EQ(rx->unprotect_rtp(p), SrtpStatus::kAuthFailed);
}

INSTANTIATE_TEST_SUITE_P(Suites, SrtpOpenSsl,
                         ::testing::Values(SrtpSuite::kAesCm128HmacSha1_80, SrtpSuite::kAesCm128HmacSha1_32,
                                           SrtpSuite::kAeadAes128Gcm));

TEST(SrtpOpenSslInstall, LibsrtpAcceptsThePrimitivesAfterTheirSelfTests) {
  // SrtpSession::create installed them once already; installing again re-runs libsrtp's
  // self-tests (RFC 3711 B.2 keystream, RFC 2202 HMAC-SHA1) on them.
  std::string error;
  ASSERT_TRUE(make_session(SrtpSuite::kAesCm128HmacSha1_80, random_bytes(30), SrtpSession::Direction::kSend, error));
  EXPECT_EQ(install_openssl_srtp_primitives(), "");
}

}  // namespace
}  // namespace imsguard::media
