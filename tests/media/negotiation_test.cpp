// The offer/answer matrix: offerer policy x answerer policy x keying, the answerer against
// hand-written offers (best effort, mandatory, unusable keys), the offerer's check of the
// answer, and the audit counter.
#include "media/negotiation.h"

#include <gtest/gtest.h>

#include "ops/counters.h"
#include "../support/test_telemetry.h"

namespace imsguard::media {
namespace {

using config::SrtpPolicy;

const char* policy_name(SrtpPolicy p) {
  return p == SrtpPolicy::kOff ? "off" : p == SrtpPolicy::kOptional ? "optional" : "mandatory";
}

sip::SdpFingerprint some_fingerprint(uint8_t seed) {
  std::string v;
  for (int i = 0; i < 32; ++i) {
    char b[4];
    std::snprintf(b, sizeof b, "%s%02X", i ? ":" : "", static_cast<unsigned>((seed + i) & 0xff));
    v += b;
  }
  return {"sha-256", v};
}

OfferSpec offer_spec(SrtpPolicy policy, Keying keying, bool tls = true) {
  OfferSpec s;
  s.policy.policy = policy;
  s.policy.sdes_allowed = tls;
  s.keying = keying;
  s.local.port = 40000;
  s.local.direction = sip::SdpDirection::kRecvOnly;
  s.local.fingerprint = some_fingerprint(1);
  uint32_t tag = 1;
  for (SrtpSuite suite : all_suites()) s.sdes_keys.push_back(*generate_sdes_key(suite, tag++));
  return s;
}

MediaPolicy answerer(SrtpPolicy policy, bool sdes_allowed = true) {
  MediaPolicy p;
  p.policy = policy;
  p.sdes_allowed = sdes_allowed;
  return p;
}

// Runs one negotiation both ways; the outcome both ends reach (they must agree).
struct Both {
  Outcome answer;
  Outcome offerer;
  std::string reason;
};

Both negotiate(const OfferSpec& spec, const MediaPolicy& local) {
  auto offer = build_offer(spec);
  EXPECT_EQ(offer.error, "");
  // Through text, as on the wire.
  auto written = sip::write_sdp(offer.sdp);
  EXPECT_TRUE(written) << written.message();
  auto parsed = sip::parse_sdp(written.ok() ? *written : std::string());
  EXPECT_TRUE(parsed) << parsed.message() << "\n" << (written.ok() ? *written : std::string());
  if (!parsed) return {Outcome::kRefused, Outcome::kRefused, "unparsable offer"};
  auto plan = plan_answer(*parsed, local);
  if (plan.outcome == Outcome::kRefused) return {plan.outcome, Outcome::kRefused, plan.reason};
  LocalMedia lm;
  lm.port = 50000;
  if (plan.outcome == Outcome::kSrtpSdes) lm.sdes_key = generate_sdes_key(plan.remote_key->suite, plan.remote_key->tag);
  lm.fingerprint = some_fingerprint(9);
  auto answer_text = sip::write_sdp(build_answer(*parsed, plan, lm));
  EXPECT_TRUE(answer_text) << answer_text.message();
  auto answer = sip::parse_sdp(answer_text.ok() ? *answer_text : std::string());
  EXPECT_TRUE(answer) << answer.message() << "\n" << (answer_text.ok() ? *answer_text : std::string());
  if (!answer) return {plan.outcome, Outcome::kRefused, "unparsable answer"};
  auto check = check_answer(spec, *answer);
  return {plan.outcome, check.outcome, plan.reason + " / " + check.reason};
}

TEST(Negotiation, FullPolicyMatrixBothEndsAgree) {
  const SrtpPolicy policies[] = {SrtpPolicy::kOff, SrtpPolicy::kOptional, SrtpPolicy::kMandatory};
  for (Keying keying : {Keying::kSdes, Keying::kDtls}) {
    Outcome srtp = keying == Keying::kSdes ? Outcome::kSrtpSdes : Outcome::kSrtpDtls;
    for (SrtpPolicy offerer : policies) {
      for (SrtpPolicy local : policies) {
        Outcome expected;
        if (offerer == SrtpPolicy::kOff) expected = local == SrtpPolicy::kMandatory ? Outcome::kRefused : Outcome::kRtp;
        else if (local == SrtpPolicy::kOff) expected = offerer == SrtpPolicy::kMandatory ? Outcome::kRefused : Outcome::kRtp;
        else expected = srtp;
        auto r = negotiate(offer_spec(offerer, keying), answerer(local));
        SCOPED_TRACE(std::string("offerer ") + policy_name(offerer) + ", answerer " + policy_name(local) +
                     (keying == Keying::kSdes ? ", sdes" : ", dtls") + ": " + r.reason);
        EXPECT_EQ(r.answer, expected);
        EXPECT_EQ(r.offerer, expected);
        if (expected == Outcome::kRefused) {
          EXPECT_FALSE(r.reason.empty());
        }
      }
    }
  }
}

TEST(Negotiation, SdesIsRefusedUnlessEverySignalingHopIsTls) {
  // The offerer will not put keys on a plain hop...
  auto offer = build_offer(offer_spec(SrtpPolicy::kMandatory, Keying::kSdes, /*tls=*/false));
  EXPECT_NE(offer.error.find("TLS"), std::string::npos) << offer.error;
  // ...and an answerer that knows a hop was plain does not use keys that crossed it.
  auto spec = offer_spec(SrtpPolicy::kMandatory, Keying::kSdes);
  auto r = negotiate(spec, answerer(SrtpPolicy::kOptional, /*sdes_allowed=*/false));
  EXPECT_EQ(r.answer, Outcome::kRefused);
  EXPECT_NE(r.reason.find("not every signaling hop is TLS"), std::string::npos) << r.reason;
  // Best effort SDES over a plain hop falls back to RTP for an optional answerer only.
  EXPECT_EQ(negotiate(offer_spec(SrtpPolicy::kOptional, Keying::kSdes), answerer(SrtpPolicy::kOptional, false)).answer,
            Outcome::kRtp);
  EXPECT_EQ(negotiate(offer_spec(SrtpPolicy::kOptional, Keying::kSdes), answerer(SrtpPolicy::kMandatory, false)).answer,
            Outcome::kRefused);
  // DTLS-SRTP needs no TLS signaling.
  EXPECT_EQ(negotiate(offer_spec(SrtpPolicy::kMandatory, Keying::kDtls, false), answerer(SrtpPolicy::kMandatory, false)).answer,
            Outcome::kSrtpDtls);
}

sip::Sdp parse(const std::string& media_lines) {
  std::string text = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" + media_lines;
  auto p = sip::parse_sdp(text);
  EXPECT_TRUE(p) << p.message() << "\n" << text;
  return p.ok() ? *p : sip::Sdp{};
}

TEST(Negotiation, AnswererRefusalsCarry488AndAReason) {
  struct Case {
    std::string media;
    SrtpPolicy policy;
    const char* why;
  } cases[] = {
      {"m=audio 4000 RTP/SAVP 0\r\na=crypto:1 F8_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n",
       SrtpPolicy::kOptional, "F8_128_HMAC_SHA1_80"},
      {"m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4\r\n",
       SrtpPolicy::kMandatory, "MKI"},
      {"m=audio 4000 RTP/SAVP 0\r\n", SrtpPolicy::kOptional, "no keying"},
      {"m=audio 4000 RTP/AVP 0\r\n", SrtpPolicy::kMandatory, "mandatory"},
      {"m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n",
       SrtpPolicy::kOff, "policy is off"},
      {"m=audio 4000 RTP/AVP 8\r\n", SrtpPolicy::kOptional, "PCMU"},
      {"m=video 4000 RTP/AVP 96\r\n", SrtpPolicy::kOptional, "no active audio"},
      {"m=audio 4000 UDP/TLS/RTP/SAVP 0\r\na=setup:actpass\r\na=fingerprint:sha-1 "
       "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD\r\n",
       SrtpPolicy::kOptional, "sha-256 required"},
      {"m=audio 4000 UDP/TLS/RTP/SAVP 0\r\na=setup:holdconn\r\na=fingerprint:sha-256 " + some_fingerprint(3).value + "\r\n",
       SrtpPolicy::kOptional, "holdconn"},
  };
  for (const auto& c : cases) {
    auto plan = plan_answer(parse(c.media), answerer(c.policy));
    EXPECT_EQ(plan.outcome, Outcome::kRefused) << c.media;
    EXPECT_EQ(plan.code, 488) << c.media;
    EXPECT_NE(plan.reason.find(c.why), std::string::npos) << c.media << " -> " << plan.reason;
  }
}

TEST(Negotiation, AnswererPrefersDtlsThenOurSuiteOrderAndAnswersTheTagItChose) {
  std::string both =
      "m=audio 4000 RTP/AVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n"
      "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n";
  auto plan = plan_answer(parse(both), answerer(SrtpPolicy::kOptional));
  ASSERT_EQ(plan.outcome, Outcome::kSrtpSdes);
  EXPECT_EQ(plan.remote_key->tag, 2u);  // _80 before _32 in our order
  MediaPolicy only32 = answerer(SrtpPolicy::kOptional);
  only32.suites = {SrtpSuite::kAesCm128HmacSha1_32};
  plan = plan_answer(parse(both), only32);
  ASSERT_EQ(plan.outcome, Outcome::kSrtpSdes);
  EXPECT_EQ(plan.remote_key->tag, 1u);

  std::string with_dtls = both + "a=setup:active\r\na=fingerprint:sha-256 " + some_fingerprint(5).value + "\r\n";
  plan = plan_answer(parse(with_dtls), answerer(SrtpPolicy::kOptional));
  ASSERT_EQ(plan.outcome, Outcome::kSrtpDtls);
  EXPECT_EQ(plan.local_setup, sip::SdpSetup::kPassive);  // the offerer insisted on active
  EXPECT_EQ(plan.remote_address, "127.0.0.1");
  EXPECT_EQ(plan.remote_port, 4000);
}

TEST(Negotiation, OffererRejectsAnswersItDidNotAskFor) {
  auto spec = offer_spec(SrtpPolicy::kMandatory, Keying::kSdes);
  // A plain answer to a mandatory offer.
  auto check = check_answer(spec, parse("m=audio 5000 RTP/AVP 0\r\n"));
  EXPECT_EQ(check.outcome, Outcome::kRefused);
  // A tag we never offered.
  check = check_answer(
      spec, parse("m=audio 5000 RTP/SAVP 0\r\na=crypto:9 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n"));
  EXPECT_EQ(check.outcome, Outcome::kRefused);
  EXPECT_NE(check.reason.find("no offered tag"), std::string::npos) << check.reason;
  // A rejected stream.
  check = check_answer(spec, parse("m=audio 0 RTP/SAVP 0\r\n"));
  EXPECT_EQ(check.outcome, Outcome::kRefused);
  // An accepted one gives both keys.
  check = check_answer(
      spec, parse("m=audio 5000 RTP/SAVP 0\r\na=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n"));
  ASSERT_EQ(check.outcome, Outcome::kSrtpSdes) << check.reason;
  EXPECT_EQ(check.local_key->key_salt, spec.sdes_keys[1].key_salt);
  EXPECT_EQ(check.remote_key->key_salt.size(), 30u);
  EXPECT_EQ(check.remote_port, 5000);
}

TEST(Negotiation, EveryOutcomeIsCounted) {
  test::Telemetry t;
  NegotiationLog log(t.metrics, t.events);
  for (Outcome o : {Outcome::kSrtpSdes, Outcome::kSrtpDtls, Outcome::kRtp, Outcome::kRefused}) {
    std::string name = "imsguard_srtp_sessions_total{outcome=\"" + std::string(outcome_name(o)) + "\"}";
    EXPECT_EQ(t.value(name), 0u) << outcome_name(o);
    log.record(o, "answer", "test", "alice", "because");
    EXPECT_EQ(t.value(name), 1u) << outcome_name(o);
  }
}

}  // namespace
}  // namespace imsguard::media
