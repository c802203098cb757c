#include "crypto/aka.h"

#include <gtest/gtest.h>

#include "crypto/hex.h"
#include "testdata.h"

namespace imsguard::crypto {
namespace {

using testing::jarr;

// Set 1 of the Milenage known answers as the subscriber of these tests.
struct Subscriber {
  Milenage m;
  Rand rand;
  uint64_t sqn;
  Amf amf;
  nlohmann::json set;
};

std::optional<Subscriber> set1() {
  auto sets = testing::milenage_sets();
  if (!sets.is_array() || sets.empty()) return std::nullopt;
  const auto& s = sets[0];
  auto m = Milenage::from_op(jarr<16>(s["k"]), jarr<16>(s["op"]));
  if (!m) return std::nullopt;
  return Subscriber{std::move(*m), jarr<16>(s["rand"]), sqn_from_bytes(jarr<6>(s["sqn"])), jarr<2>(s["amf"]), s};
}

Autn vector_autn(const Milenage& m, const Rand& rand, uint64_t sqn, const Amf& amf = {0x80, 0x00}) {
  auto v = make_vector(m, rand, sqn, amf);
  return v.ok() ? v->autn : Autn{};
}

TEST(Aka, SqnBytesRoundTrip) {
  EXPECT_EQ(to_hex(sqn_to_bytes(0xff9bb4d0b607ull)), "ff9bb4d0b607");
  EXPECT_EQ(sqn_from_bytes(sqn_to_bytes(kMaxSqn)), kMaxSqn);
  EXPECT_EQ(sqn_from_bytes(sqn_to_bytes(0x123456789abcull)), 0x123456789abcull);
}

TEST(Aka, VectorMatchesMilenageKnownAnswers) {
  auto sub = set1();
  ASSERT_TRUE(sub);
  auto v = make_vector(sub->m, sub->rand, sub->sqn, sub->amf);
  ASSERT_TRUE(v.ok()) << v.message();
  const auto& s = sub->set;
  // AUTN = (SQN xor AK) || AMF || MAC-A, computed here from the table's fields.
  auto sqn = jarr<6>(s["sqn"]);
  auto ak = jarr<6>(s["f5"]);
  SqnBytes conc{};
  for (size_t i = 0; i < 6; ++i) conc[i] = sqn[i] ^ ak[i];
  EXPECT_EQ(to_hex(v->autn), to_hex(conc) + s["amf"].get<std::string>() + s["f1"].get<std::string>());
  EXPECT_EQ(to_hex(v->xres), s["f2"].get<std::string>());
  EXPECT_EQ(to_hex(v->ck), s["f3"].get<std::string>());
  EXPECT_EQ(to_hex(v->ik), s["f4"].get<std::string>());
  EXPECT_EQ(v->sqn, sub->sqn);
}

TEST(Aka, VectorRefusesSqnBeyond48Bits) {
  auto sub = set1();
  ASSERT_TRUE(sub);
  auto v = make_vector(sub->m, sub->rand, kMaxSqn + 1, sub->amf);
  EXPECT_FALSE(v.ok());
  EXPECT_NE(v.message().find("48 bits"), std::string::npos);
}

TEST(Aka, ClientAcceptsGenuineVectorAndDerivesSameKeys) {
  auto sub = set1();
  ASSERT_TRUE(sub);
  auto v = make_vector(sub->m, sub->rand, sub->sqn, sub->amf);
  ASSERT_TRUE(v.ok());
  // The set's SQN is far beyond a new USIM's delta; a USIM that allows any jump accepts it.
  SqnScheme any_jump;
  any_jump.delta = kMaxSqn;
  SqnWindow window(any_jump);
  auto r = client_authenticate(sub->m, sub->rand, v->autn, window);
  ASSERT_EQ(r.status, AutnStatus::kOk) << autn_status_name(r.status);
  EXPECT_EQ(r.res, v->xres);
  EXPECT_EQ(r.ck, v->ck);
  EXPECT_EQ(r.ik, v->ik);
  EXPECT_EQ(r.sqn, sub->sqn);
  EXPECT_EQ(window.sqn_ms(), sub->sqn);
}

TEST(Aka, TamperedAutnIsNetworkAuthenticationFailure) {
  auto sub = set1();
  ASSERT_TRUE(sub);
  Autn autn = vector_autn(sub->m, sub->rand, make_sqn(10, 0));
  for (size_t byte : {0u, 6u, 8u, 15u}) {
    Autn bad = autn;
    bad[byte] ^= 0x01;
    SqnWindow window;
    auto r = client_authenticate(sub->m, sub->rand, bad, window);
    EXPECT_EQ(r.status, AutnStatus::kMacFailure) << "byte " << byte;
    EXPECT_EQ(window.sqn_ms(), 0u);  // nothing recorded
  }
  // A vector for another RAND does not verify either.
  Rand other = sub->rand;
  other[0] ^= 0xff;
  SqnWindow window;
  EXPECT_EQ(client_authenticate(sub->m, other, autn, window).status, AutnStatus::kMacFailure);
}

TEST(Aka, AmfSeparationBit) {
  EXPECT_TRUE(amf_separation_bit(Amf{0x80, 0x00}));
  EXPECT_FALSE(amf_separation_bit(Amf{0x00, 0x00}));
  EXPECT_FALSE(amf_separation_bit(Amf{0x7f, 0xff}));
  EXPECT_TRUE(amf_valid_for_ims(Amf{0x00, 0x01}));
  EXPECT_FALSE(amf_valid_for_ims(Amf{0xb9, 0xb9}));

  auto sub = set1();
  ASSERT_TRUE(sub);
  SqnWindow window;
  Autn eutran = vector_autn(sub->m, sub->rand, make_sqn(5, 1), Amf{0x80, 0x00});
  EXPECT_EQ(client_authenticate(sub->m, sub->rand, eutran, window, /*require_ims_amf=*/true).status,
            AutnStatus::kAmfRejected);
  Autn ims = vector_autn(sub->m, sub->rand, make_sqn(5, 1), Amf{0x00, 0x00});
  EXPECT_EQ(client_authenticate(sub->m, sub->rand, ims, window, true).status, AutnStatus::kOk);
}

TEST(SqnWindow, FreshReplayedAndOutOfOrderAcrossInd) {
  SqnWindow w;
  EXPECT_EQ(w.check(make_sqn(0, 0)), SqnWindow::Verdict::kReplayed);  // SEQ 0 is never fresh
  EXPECT_EQ(w.check(make_sqn(1, 0)), SqnWindow::Verdict::kFresh);
  w.accept(make_sqn(1, 0));
  EXPECT_EQ(w.check(make_sqn(1, 0)), SqnWindow::Verdict::kReplayed);
  // Vectors in other IND slots may arrive out of order (C.2: that is what IND is for).
  w.accept(make_sqn(5, 3));
  EXPECT_EQ(w.check(make_sqn(3, 2)), SqnWindow::Verdict::kFresh);
  w.accept(make_sqn(3, 2));
  EXPECT_EQ(w.check(make_sqn(3, 2)), SqnWindow::Verdict::kReplayed);
  EXPECT_EQ(w.check(make_sqn(4, 3)), SqnWindow::Verdict::kReplayed);  // slot 3 already at SEQ 5
  EXPECT_EQ(w.sqn_ms(), make_sqn(5, 3));
}

TEST(Aka, FreshUsimRefusesHugeSqnJump) {
  auto sub = set1();
  ASSERT_TRUE(sub);
  SqnWindow window;  // default delta 2^28
  auto r = client_authenticate(sub->m, sub->rand, vector_autn(sub->m, sub->rand, sub->sqn), window);
  EXPECT_EQ(r.status, AutnStatus::kSyncFailure);
  EXPECT_EQ(r.sqn_verdict, SqnWindow::Verdict::kTooFarAhead);
}

TEST(SqnWindow, DeltaAndAgeLimits) {
  SqnScheme scheme;
  scheme.delta = 1000;
  scheme.age_limit = 50;
  SqnWindow w(scheme);
  w.accept(make_sqn(100, 0));
  EXPECT_EQ(w.check(make_sqn(1100, 1)), SqnWindow::Verdict::kFresh);        // jump of exactly delta
  EXPECT_EQ(w.check(make_sqn(1101, 1)), SqnWindow::Verdict::kTooFarAhead);  // beyond delta
  EXPECT_EQ(w.check(make_sqn(51, 2)), SqnWindow::Verdict::kFresh);          // 49 behind: within L
  EXPECT_EQ(w.check(make_sqn(50, 2)), SqnWindow::Verdict::kTooOld);         // 50 behind: not < L
}

TEST(SqnWindow, NetworkPolicyCyclesIndAndWrapsIt) {
  SqnWindow w;
  uint64_t sqn = make_sqn(1, 0);
  w.accept(sqn);
  for (int i = 0; i < 100; ++i) {  // > 3 full IND cycles of 32
    uint64_t next = next_sqn(sqn);
    ASSERT_GT(next, sqn);
    EXPECT_EQ(sqn_seq(next), sqn_seq(sqn) + 1);
    EXPECT_EQ(sqn_ind(next), (sqn_ind(sqn) + 1) % 32);
    ASSERT_EQ(w.check(next), SqnWindow::Verdict::kFresh) << i;
    w.accept(next);
    sqn = next;
  }
  EXPECT_EQ(sqn_ind(sqn), 100u % 32);
  // The end of the 48-bit space: no wrap to a small (replayable) value.
  uint64_t last = make_sqn(kMaxSqn >> 5, 31);
  EXPECT_EQ(last, kMaxSqn);
  EXPECT_EQ(next_sqn(last), last);
}

TEST(Aka, ReplayedChallengeGivesSyncFailureAndResyncRecovers) {
  auto sub = set1();
  ASSERT_TRUE(sub);
  SqnWindow usim;
  // The network issued SQN 1000 earlier and the USIM accepted it; the HE then lost state and
  // issues SQN 20 (or an attacker replays an old challenge).
  uint64_t accepted = make_sqn(1000, 7);
  ASSERT_EQ(client_authenticate(sub->m, sub->rand, vector_autn(sub->m, sub->rand, accepted), usim).status,
            AutnStatus::kOk);
  Rand rand2 = sub->rand;
  rand2[15] ^= 0x5a;
  uint64_t sqn_he = make_sqn(20, 7);
  auto r = client_authenticate(sub->m, rand2, vector_autn(sub->m, rand2, sqn_he), usim);
  ASSERT_EQ(r.status, AutnStatus::kSyncFailure);
  EXPECT_EQ(r.sqn_verdict, SqnWindow::Verdict::kReplayed);

  auto recovered = recover_sqn_ms(sub->m, rand2, r.auts);
  ASSERT_TRUE(recovered.ok()) << recovered.message();
  EXPECT_EQ(*recovered, accepted);
  uint64_t next = resync_next_sqn(sqn_he, *recovered);
  EXPECT_EQ(next, next_sqn(accepted));
  Rand rand3 = rand2;
  rand3[0] ^= 0x11;
  auto ok = client_authenticate(sub->m, rand3, vector_autn(sub->m, rand3, next), usim);
  EXPECT_EQ(ok.status, AutnStatus::kOk);

  // AUTS bound to its RAND: checking it against another RAND fails, and so does a bit flip.
  EXPECT_FALSE(recover_sqn_ms(sub->m, rand3, r.auts).ok());
  Auts flipped = r.auts;
  flipped[13] ^= 0x01;
  auto bad = recover_sqn_ms(sub->m, rand2, flipped);
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("MAC-S"), std::string::npos);
}

TEST(Aka, ResyncKeepsSqnHeWhenItIsAheadWithinDelta) {
  uint64_t sqn_ms = make_sqn(500, 3);
  uint64_t sqn_he = make_sqn(510, 4);
  EXPECT_EQ(resync_next_sqn(sqn_he, sqn_ms), next_sqn(sqn_he));
  SqnScheme tight;
  tight.delta = 5;
  EXPECT_EQ(resync_next_sqn(sqn_he, sqn_ms, tight), next_sqn(sqn_ms, tight));
}

TEST(Aka, AutsMatchesDerivedVector) {
  auto sub = set1();
  ASSERT_TRUE(sub);
  auto doc = testing::digest_vectors();
  const auto* v = testing::find_vector(doc, "derived-aka-resync-auts-milenage-set1");
  ASSERT_NE(v, nullptr);
  uint64_t sqn_ms = sqn_from_bytes(jarr<6>((*v)["sqn_ms"]));
  auto auts = make_auts(sub->m, sub->rand, sqn_ms);
  ASSERT_TRUE(auts.ok());
  EXPECT_EQ(to_hex(*auts), (*v)["auts_hex"].get<std::string>());
  EXPECT_EQ(to_hex(std::span<const uint8_t>(auts->data() + 6, 8)), (*v)["mac_s"].get<std::string>());
  auto ak_star = sub->m.f5star(sub->rand);
  ASSERT_TRUE(ak_star);
  EXPECT_EQ(to_hex(*ak_star), (*v)["ak_star"].get<std::string>());
  auto back = recover_sqn_ms(sub->m, sub->rand, *auts);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, sqn_ms);
}

TEST(Aka, RandomRandDiffers) {
  auto a = random_rand();
  auto b = random_rand();
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
}

}  // namespace
}  // namespace imsguard::crypto
