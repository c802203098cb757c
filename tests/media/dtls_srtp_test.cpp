// DTLS-SRTP between two endpoints exchanging datagrams in memory: the handshake, matching
// exported keys, SRTP across them, and the fingerprint check that authenticates the peer.
#include "media/dtls_srtp.h"

#include <gtest/gtest.h>

#include <thread>

#include "media/rtp.h"
#include "media/srtp_session.h"
#include "made.h"

namespace imsguard::media {
namespace {

using made_for_tests::make_endpoint;
using made_for_tests::make_identity;
using made_for_tests::make_session;

using Endpoint = DtlsSrtpEndpoint;

// Shuttles datagrams until both sides stop talking (bounded), dropping the first `drop`
// datagrams to exercise retransmission.
void run(Endpoint& a, Endpoint& b, int drop = 0) {
  a.start();
  for (int round = 0; round < 50; ++round) {
    auto out_a = a.take_outgoing();
    auto out_b = b.take_outgoing();
    if (out_a.empty() && out_b.empty()) {
      if (a.state() != Endpoint::State::kHandshaking && b.state() != Endpoint::State::kHandshaking) return;
      // Nothing in flight: wait for the retransmission timer (1 s at first), then fire it.
      auto wait = std::max(a.next_timeout().value_or(std::chrono::milliseconds(0)),
                           b.next_timeout().value_or(std::chrono::milliseconds(0)));
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(wait, std::chrono::seconds(3)) +
                                  std::chrono::milliseconds(5));
      a.on_timer();
      b.on_timer();
      continue;
    }
    for (auto& d : out_a) {
      EXPECT_TRUE(is_dtls_datagram(d));
      if (drop > 0) {
        --drop;
        continue;
      }
      b.on_datagram(d);
    }
    for (auto& d : out_b) a.on_datagram(d);
  }
}

struct Pair {
  std::shared_ptr<DtlsIdentity> ida, idb;
  std::unique_ptr<Endpoint> client, server;
};

Pair make_pair(const std::vector<SrtpSuite>& client_suites = all_suites(),
               const std::vector<SrtpSuite>& server_suites = all_suites()) {
  Pair p;
  std::string error;
  p.ida = make_identity(error);
  p.idb = make_identity(error);
  EXPECT_TRUE(p.ida && p.idb) << error;
  if (!p.ida || !p.idb) return p;
  p.client = make_endpoint(p.ida, Endpoint::Role::kClient, p.idb->fingerprint(), client_suites, error);
  p.server = make_endpoint(p.idb, Endpoint::Role::kServer, p.ida->fingerprint(), server_suites, error);
  EXPECT_TRUE(p.client && p.server) << error;
  return p;
}

TEST(DtlsSrtp, FingerprintIsSha256OfTheCertificate) {
  std::string error;
  auto id = make_identity(error);
  ASSERT_TRUE(id) << error;
  EXPECT_EQ(id->fingerprint().hash, "sha-256");
  auto bytes = id->fingerprint().bytes();
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes->size(), 32u);
  auto other = make_identity(error);
  ASSERT_TRUE(other);
  EXPECT_NE(other->fingerprint().value, id->fingerprint().value);
}

TEST(DtlsSrtp, HandshakeDerivesMatchingKeysAndCarriesSrtp) {
  auto p = make_pair();
  ASSERT_TRUE(p.client && p.server);
  run(*p.client, *p.server);
  ASSERT_EQ(p.client->state(), Endpoint::State::kConnected) << p.client->error();
  ASSERT_EQ(p.server->state(), Endpoint::State::kConnected) << p.server->error();
  const auto& kc = p.client->keys();
  const auto& ks = p.server->keys();
  EXPECT_EQ(kc.suite, ks.suite);
  EXPECT_EQ(kc.suite, SrtpSuite::kAeadAes128Gcm);  // first in both lists
  EXPECT_EQ(kc.local, ks.remote);
  EXPECT_EQ(kc.remote, ks.local);
  EXPECT_NE(kc.local, kc.remote);
  EXPECT_EQ(kc.local.size(), master_length(kc.suite));

  std::string error;
  auto tx = make_session(ks.suite, ks.local, SrtpSession::Direction::kSend, error);
  auto rx = make_session(kc.suite, kc.remote, SrtpSession::Direction::kReceive, error);
  ASSERT_TRUE(tx && rx) << error;
  auto plain = tone_packet({0, false, 5, 800, 77}, kSrtpMaxTrailer);
  auto packet = plain;
  ASSERT_EQ(tx->protect_rtp(packet), SrtpStatus::kOk);
  EXPECT_TRUE(is_rtp_or_rtcp_datagram(packet));
  ASSERT_EQ(rx->unprotect_rtp(packet), SrtpStatus::kOk);
  EXPECT_EQ(packet, plain);
}

TEST(DtlsSrtp, ProfileFollowsWhatBothSidesAccept) {
  auto p = make_pair({SrtpSuite::kAesCm128HmacSha1_32, SrtpSuite::kAesCm128HmacSha1_80},
                     {SrtpSuite::kAesCm128HmacSha1_80});
  ASSERT_TRUE(p.client && p.server);
  run(*p.client, *p.server);
  ASSERT_EQ(p.client->state(), Endpoint::State::kConnected) << p.client->error();
  EXPECT_EQ(p.client->keys().suite, SrtpSuite::kAesCm128HmacSha1_80);
  EXPECT_EQ(p.client->keys().local.size(), 30u);
}

TEST(DtlsSrtp, SurvivesALostFlight) {
  auto p = make_pair();
  ASSERT_TRUE(p.client && p.server);
  run(*p.client, *p.server, /*drop=*/1);
  EXPECT_EQ(p.client->state(), Endpoint::State::kConnected) << p.client->error();
  EXPECT_EQ(p.server->state(), Endpoint::State::kConnected) << p.server->error();
}

TEST(DtlsSrtp, APeerWhoseCertificateIsNotTheSdpFingerprintIsRefused) {
  std::string error;
  auto ida = make_identity(error);
  auto idb = make_identity(error);
  auto mallory = make_identity(error);
  ASSERT_TRUE(ida && idb && mallory) << error;
  // The client expects idb, but the server answering is mallory (a MITM on the media path).
  auto client = make_endpoint(ida, Endpoint::Role::kClient, idb->fingerprint(), all_suites(), error);
  auto server = make_endpoint(mallory, Endpoint::Role::kServer, ida->fingerprint(), all_suites(), error);
  ASSERT_TRUE(client && server) << error;
  run(*client, *server);
  EXPECT_EQ(client->state(), Endpoint::State::kFailed);
  EXPECT_NE(client->error().find("a=fingerprint"), std::string::npos) << client->error();
}

TEST(DtlsSrtp, NoCommonProfileFails) {
  auto p = make_pair({SrtpSuite::kAesCm128HmacSha1_32}, {SrtpSuite::kAeadAes128Gcm});
  ASSERT_TRUE(p.client && p.server);
  run(*p.client, *p.server);
  EXPECT_NE(p.client->state(), Endpoint::State::kConnected);
}

TEST(DtlsSrtp, GarbageDatagramsDoNotConnect) {
  auto p = make_pair();
  ASSERT_TRUE(p.server);
  std::vector<uint8_t> junk(100, 22);
  p.server->on_datagram(junk);
  EXPECT_NE(p.server->state(), Endpoint::State::kConnected);
}

}  // namespace
}  // namespace imsguard::media
