#include "media/negotiation.h"

#include <algorithm>

#include "ops/counters.h"
#include "ops/episodes.h"
#include "ops/events.h"

namespace imsguard::media {
namespace {

using config::SrtpPolicy;

bool has_pcmu(const sip::SdpMedia& m) {
  return std::find(m.formats.begin(), m.formats.end(), "0") != m.formats.end();
}

std::optional<size_t> first_audio(const sip::Sdp& sdp) {
  for (size_t i = 0; i < sdp.media.size(); ++i)
    if (sdp.media[i].media == "audio" && sdp.media[i].port != 0) return i;
  return std::nullopt;
}

AnswerPlan refuse(std::string reason) {
  AnswerPlan p;
  p.outcome = Outcome::kRefused;
  p.code = 488;
  p.reason = std::move(reason);
  return p;
}

// The usable SDES line of an offer (our preference order), or why none is.
struct SdesChoice {
  std::optional<SdesKey> key;
  std::string why_not;
};

SdesChoice choose_sdes(const std::vector<sip::SdpCrypto>& cryptos, const MediaPolicy& local) {
  SdesChoice out;
  if (cryptos.empty()) {
    out.why_not = "the offer has no a=crypto";
    return out;
  }
  if (!local.sdes_allowed) {
    out.why_not = "SDES refused: a=crypto keys travel in the SDP and not every signaling hop is TLS";
    return out;
  }
  std::vector<SdesKey> usable;
  std::string first_error;
  for (const auto& c : cryptos) {
    auto parsed = parse_sdes(c);
    if (!parsed.ok()) {
      if (first_error.empty()) first_error = parsed.message();
      continue;
    }
    if (std::find(local.suites.begin(), local.suites.end(), parsed->suite) == local.suites.end()) {
      if (first_error.empty()) first_error = "crypto suite " + c.suite + " is not enabled (media.crypto_suites)";
      continue;
    }
    usable.push_back(std::move(parsed).value());
  }
  for (SrtpSuite s : local.suites) {
    for (auto& k : usable) {
      if (k.suite == s) {
        out.key = std::move(k);
        return out;
      }
    }
  }
  out.why_not = "no acceptable a=crypto: " + first_error;
  return out;
}

struct DtlsChoice {
  bool ok = false;
  std::optional<sip::SdpFingerprint> fingerprint;
  sip::SdpSetup local_setup = sip::SdpSetup::kActive;
  std::string why_not;
};

DtlsChoice choose_dtls(const sip::Sdp& sdp, const sip::SdpMedia& m, const MediaPolicy& local) {
  DtlsChoice out;
  auto fp = m.attributes.fingerprint();
  if (!fp) fp = sdp.attributes.fingerprint();
  if (!fp) {
    out.why_not = "the offer has no a=fingerprint";
    return out;
  }
  if (!local.dtls_allowed) {
    out.why_not = "DTLS-SRTP is disabled locally";
    return out;
  }
  std::string hash = fp->hash;
  std::transform(hash.begin(), hash.end(), hash.begin(), ::tolower);
  auto bytes = fp->bytes();
  if (hash != "sha-256" || !bytes || bytes->size() != 32) {
    out.why_not = "a=fingerprint " + fp->hash + " refused (sha-256 required)";
    return out;
  }
  auto setup = m.attributes.setup();
  if (!setup) setup = sdp.attributes.setup();
  // RFC 4145: no a=setup means active.
  sip::SdpSetup remote = setup.value_or(sip::SdpSetup::kActive);
  if (remote == sip::SdpSetup::kHoldconn) {
    out.why_not = "a=setup:holdconn: the offerer will not set up DTLS";
    return out;
  }
  // RFC 5763 5: the answerer takes active unless the offerer insists on it.
  out.local_setup = remote == sip::SdpSetup::kActive ? sip::SdpSetup::kPassive : sip::SdpSetup::kActive;
  out.fingerprint = *fp;
  out.ok = true;
  return out;
}

bool dtls_suites_enabled(const MediaPolicy& p) { return !p.suites.empty(); }

}  // namespace

std::string_view outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kSrtpSdes: return "srtp-sdes";
    case Outcome::kSrtpDtls: return "srtp-dtls";
    case Outcome::kRtp: return "rtp";
    case Outcome::kRefused: return "refused";
  }
  return "refused";
}

AnswerPlan plan_answer(const sip::Sdp& offer, const MediaPolicy& local) {
  auto index = first_audio(offer);
  if (!index) return refuse("the offer has no active audio stream");
  const sip::SdpMedia& m = offer.media[*index];
  if (!has_pcmu(m)) return refuse("no common codec (PCMU, payload type 0, is required)");
  const sip::SdpConnection* conn = offer.connection_for(m);
  if (!conn || conn->host().empty()) return refuse("the offer's audio stream has no connection address");

  bool secure = m.is_secure_rtp();
  bool keyed = !m.attributes.cryptos().empty() || m.attributes.fingerprint() || offer.attributes.fingerprint();
  AnswerPlan plan;
  plan.media_index = *index;
  plan.proto = m.proto;
  plan.remote_address = std::string(conn->host());
  plan.remote_port = m.port;

  if (local.policy == SrtpPolicy::kOff) {
    if (secure) return refuse("the offer requires SRTP (" + m.proto + ") and the local SRTP policy is off");
    plan.outcome = Outcome::kRtp;
    plan.reason = keyed ? "SRTP offered as optional; local policy is off" : "plain RTP offered";
    return plan;
  }
  if (dtls_suites_enabled(local)) {
    DtlsChoice d = choose_dtls(offer, m, local);
    SdesChoice s = choose_sdes(m.attributes.cryptos(), local);
    if (d.ok) {
      plan.outcome = Outcome::kSrtpDtls;
      plan.remote_fingerprint = d.fingerprint;
      plan.local_setup = d.local_setup;
      plan.reason = "DTLS-SRTP";
      return plan;
    }
    if (s.key) {
      plan.outcome = Outcome::kSrtpSdes;
      plan.reason = std::string(suite_info(s.key->suite).sdes_name);
      plan.remote_key = std::move(s.key);
      return plan;
    }
    if (secure || local.policy == SrtpPolicy::kMandatory) {
      // Say the most specific reason: a keying that was offered but unusable.
      std::string why = !m.attributes.cryptos().empty() ? s.why_not
                        : (m.attributes.fingerprint() || offer.attributes.fingerprint()) ? d.why_not
                        : secure ? "the offer (" + m.proto + ") carries no keying (no a=crypto, no a=fingerprint)"
                                 : "local SRTP policy is mandatory and the offer is plain RTP";
      return refuse(why);
    }
  } else if (secure || local.policy == SrtpPolicy::kMandatory) {
    return refuse("no SRTP crypto suite is enabled locally (media.crypto_suites)");
  }
  plan.outcome = Outcome::kRtp;
  plan.reason = keyed ? "offered SRTP keying unusable; falling back to RTP (optional)" : "plain RTP offered";
  return plan;
}

sip::Sdp build_answer(const sip::Sdp& offer, const AnswerPlan& plan, const LocalMedia& local) {
  sip::Sdp a;
  a.origin.username = "imsguard";
  a.origin.session_id = offer.origin.session_id;
  a.origin.session_version = "1";
  a.origin.addrtype = local.address.find(':') != std::string::npos ? "IP6" : "IP4";
  a.origin.address = local.address;
  a.session_name = "imsguard media";
  a.connection = sip::SdpConnection{"IN", a.origin.addrtype, local.address};
  // Every offered m= line gets an answer line (RFC 3264 6); all but ours are rejected (port 0).
  for (size_t i = 0; i < offer.media.size(); ++i) {
    sip::SdpMedia m;
    m.media = offer.media[i].media;
    m.proto = offer.media[i].proto;
    if (i != plan.media_index) {
      m.port = 0;
      m.formats = offer.media[i].formats;
      a.media.push_back(std::move(m));
      continue;
    }
    m.port = local.port;
    m.formats = {"0"};
    m.attributes.add("rtpmap", "0 PCMU/8000");
    m.attributes.set_direction(local.direction);
    if (offer.media[i].attributes.rtcp_mux()) m.attributes.set_rtcp_mux(true);
    if (plan.outcome == Outcome::kSrtpSdes && local.sdes_key) m.attributes.add_crypto(to_sdp_crypto(*local.sdes_key));
    if (plan.outcome == Outcome::kSrtpDtls && local.fingerprint) {
      m.attributes.set_setup(plan.local_setup);
      m.attributes.add("fingerprint", sip::format_fingerprint(*local.fingerprint));
    }
    a.media.push_back(std::move(m));
  }
  return a;
}

OfferResult build_offer(const OfferSpec& spec) {
  OfferResult r;
  sip::Sdp& o = r.sdp;
  o.origin.username = "imsguard";
  o.origin.session_id = "1";
  o.origin.addrtype = spec.local.address.find(':') != std::string::npos ? "IP6" : "IP4";
  o.origin.address = spec.local.address;
  o.session_name = "imsguard call";
  o.connection = sip::SdpConnection{"IN", o.origin.addrtype, spec.local.address};
  sip::SdpMedia m;
  m.port = spec.local.port;
  m.formats = {"0"};
  m.attributes.add("rtpmap", "0 PCMU/8000");
  m.attributes.set_direction(spec.local.direction);
  m.attributes.set_rtcp_mux(true);
  const auto policy = spec.policy.policy;
  bool mandatory = policy == SrtpPolicy::kMandatory;
  m.proto = "RTP/AVP";
  if (policy != SrtpPolicy::kOff) {
    if (spec.keying == Keying::kSdes) {
      if (!spec.policy.sdes_allowed) {
        r.error = "SDES needs TLS signaling (keys travel in the SDP); use --transport tls or DTLS-SRTP";
        return r;
      }
      if (spec.sdes_keys.empty()) {
        r.error = "no SDES key to offer";
        return r;
      }
      if (mandatory) m.proto = "RTP/SAVP";
      for (const auto& k : spec.sdes_keys) m.attributes.add_crypto(to_sdp_crypto(k));
    } else {
      if (!spec.local.fingerprint) {
        r.error = "no DTLS certificate fingerprint to offer";
        return r;
      }
      if (mandatory) m.proto = "UDP/TLS/RTP/SAVP";
      m.attributes.set_setup(sip::SdpSetup::kActpass);
      m.attributes.add("fingerprint", sip::format_fingerprint(*spec.local.fingerprint));
    }
  }
  o.media.push_back(std::move(m));
  return r;
}

AnswerCheck check_answer(const OfferSpec& spec, const sip::Sdp& answer) {
  AnswerCheck c;
  const auto policy = spec.policy.policy;
  auto refuse_answer = [&](std::string why) {
    c.outcome = Outcome::kRefused;
    c.reason = std::move(why);
    return c;
  };
  if (answer.media.empty()) return refuse_answer("the answer has no m= line");
  const sip::SdpMedia& m = answer.media.front();
  if (m.port == 0) return refuse_answer("the answer rejected the audio stream (port 0)");
  if (!has_pcmu(m)) return refuse_answer("the answer does not use PCMU");
  const sip::SdpConnection* conn = answer.connection_for(m);
  if (!conn || conn->host().empty()) return refuse_answer("the answer has no connection address");
  c.remote_address = std::string(conn->host());
  c.remote_port = m.port;
  auto cryptos = m.attributes.cryptos();
  auto fp = m.attributes.fingerprint();
  if (!fp) fp = answer.attributes.fingerprint();
  bool offered_sdes = policy != SrtpPolicy::kOff && spec.keying == Keying::kSdes;
  bool offered_dtls = policy != SrtpPolicy::kOff && spec.keying == Keying::kDtls;
  if (!cryptos.empty()) {
    if (!offered_sdes) return refuse_answer("the answer has a=crypto we did not offer");
    if (cryptos.size() != 1) return refuse_answer("the answer has more than one a=crypto");
    auto parsed = parse_sdes(cryptos.front());
    if (!parsed.ok()) return refuse_answer("answer " + parsed.message());
    for (const auto& k : spec.sdes_keys) {
      if (k.tag == parsed->tag && k.suite == parsed->suite) {
        c.outcome = Outcome::kSrtpSdes;
        c.reason = std::string(suite_info(k.suite).sdes_name);
        c.local_key = k;
        c.remote_key = std::move(parsed).value();
        return c;
      }
    }
    return refuse_answer("the answer's a=crypto matches no offered tag and suite");
  }
  if (fp) {
    if (!offered_dtls) return refuse_answer("the answer has a=fingerprint but we did not offer DTLS-SRTP");
    auto setup = m.attributes.setup();
    if (!setup) setup = answer.attributes.setup();
    sip::SdpSetup remote = setup.value_or(sip::SdpSetup::kActive);
    if (remote == sip::SdpSetup::kActpass || remote == sip::SdpSetup::kHoldconn)
      return refuse_answer("the answer's a=setup must be active or passive");
    c.outcome = Outcome::kSrtpDtls;
    c.reason = "DTLS-SRTP";
    c.remote_fingerprint = *fp;
    c.dtls_client = remote == sip::SdpSetup::kPassive;
    return c;
  }
  if (m.is_secure_rtp()) return refuse_answer("the answer uses " + m.proto + " without keying");
  if (policy == SrtpPolicy::kMandatory)
    return refuse_answer("the answer is plain RTP and the local SRTP policy is mandatory");
  c.outcome = Outcome::kRtp;
  c.reason = "plain RTP";
  return c;
}

NegotiationLog::NegotiationLog(ops::CounterRegistry& metrics, ops::EventSink& events)
    : events_(events),
      by_outcome_{&metrics.get("imsguard_srtp_sessions_total{outcome=\"srtp-sdes\"}",
                               "media negotiations by outcome (SRTP keyed by SDES or DTLS, plain RTP, refused)"),
                  &metrics.get("imsguard_srtp_sessions_total{outcome=\"srtp-dtls\"}"),
                  &metrics.get("imsguard_srtp_sessions_total{outcome=\"rtp\"}"),
                  &metrics.get("imsguard_srtp_sessions_total{outcome=\"refused\"}")} {}

void NegotiationLog::record(Outcome outcome, std::string_view side, std::string_view source,
                            std::string_view identity, std::string_view reason) const {
  by_outcome_[static_cast<size_t>(outcome)]->inc();
  std::string text = std::string(side) + " " + std::string(outcome_name(outcome)) + ": " + std::string(reason);
  // One event per source, side and outcome per episode: 400 INVITEs of one attacker are one
  // line and a summary; calls with another outcome are their own episode.
  ops::emit_episode(events_, {"media", source, identity, outcome == Outcome::kRefused ? "reject" : "accept", text},
                    std::string(source) + " " + std::string(side) + " " + std::string(outcome_name(outcome)));
}

}  // namespace imsguard::media
