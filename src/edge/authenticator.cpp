#include "edge/authenticator.h"

#include "crypto/aka.h"
#include "crypto/ct.h"
#include "crypto/digest_aka.h"
#include "crypto/digest_header.h"
#include "crypto/hex.h"
#include "crypto/milenage.h"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <mutex>

namespace imsguard::edge {

// The credentials of one Authorization header, parsed once.
struct CredentialsView {
  crypto::DigestCredentials creds;
};

namespace {

std::mutex& nc_mutex() {
  static std::mutex m;
  return m;
}

// The AKA nonce's server data binds RAND into the HMAC: a captured (RAND, RES) pair cannot be
// spliced with fresh server data.
std::string aka_binding(std::string_view realm, const crypto::Rand& rand) {
  std::string b(realm);
  b += '|';
  b += crypto::to_hex(rand);
  return b;
}

std::string_view ha1_for(const store::Subscriber& s, crypto::HashAlgorithm h) {
  switch (h) {
    case crypto::HashAlgorithm::kMd5: return s.ha1_md5;
    case crypto::HashAlgorithm::kSha256: return s.ha1_sha256;
    case crypto::HashAlgorithm::kSha512_256: return s.ha1_sha512_256;
  }
  return {};
}

AuthResult unavailable(std::string reason) {
  AuthResult r;
  r.outcome = AuthOutcome::kUnavailable;
  r.reason = std::move(reason);
  return r;
}

// What the response is computed over: the request as the client sent it, and our HA1.
crypto::DigestInput digest_input(const sip::Message& msg, const crypto::DigestCredentials& c, std::string_view ha1) {
  crypto::DigestInput in;
  in.algorithm = c.algorithm;
  in.ha1 = ha1;
  in.method = msg.method_name();
  in.uri = c.uri;
  in.nonce = c.nonce;
  in.nc = c.nc;
  in.cnonce = c.cnonce;
  in.qop = c.qop;
  in.body = msg.body();
  return in;
}

}  // namespace

AuthenticatorOptions Authenticator::options_from(const config::Config& c) {
  AuthenticatorOptions o;
  o.realm = c.auth.realm;
  if (auto order = crypto::parse_algorithm_order(c.auth.digest_algorithms); order.ok()) o.digest_order = *order.value;
  o.qop = c.auth.qop;
  o.nonce_lifetime_ms = static_cast<int64_t>(c.auth.nonce_lifetime_s) * 1000;
  o.rotation_ms = static_cast<int64_t>(c.auth.nonce_secret_rotation_s) * 1000;
  o.aka_enabled = c.auth.aka;
  o.digest_enabled = c.auth.digest;
  return o;
}

std::unique_ptr<Authenticator> Authenticator::create(AuthenticatorOptions options, store::SubscriberStore& subscribers,
                                                     std::string& error) {
  if (options.digest_order.empty()) {
    error = "auth.digest_algorithms: no usable algorithm";
    return nullptr;
  }
  if (!options.aka_enabled && !options.digest_enabled) {
    error = "auth: both aka and digest are disabled; nobody could register";
    return nullptr;
  }
  crypto::NonceOptions nonce_options;
  nonce_options.lifetime_ms = options.nonce_lifetime_ms;
  nonce_options.rotation_ms = options.rotation_ms;
  nonce_options.clock = options.clock;
  auto nonces = crypto::NonceAuthority::create(nonce_options);
  if (!nonces) {
    error = "cannot create the nonce authority (no randomness?)";
    return nullptr;
  }
  auto a = std::unique_ptr<Authenticator>(new Authenticator(std::move(options), subscribers, std::move(nonces)));
  if (RAND_bytes(a->decoy_key_.data(), static_cast<int>(a->decoy_key_.size())) != 1) {
    error = "no randomness for the decoy key";
    return nullptr;
  }
  return a;
}

Authenticator::Authenticator(AuthenticatorOptions options, store::SubscriberStore& subscribers,
                             std::unique_ptr<crypto::NonceAuthority> nonces)
    : options_(std::move(options)), subscribers_(subscribers), nonces_(std::move(nonces)), nc_(options_.nc_capacity) {}

crypto::NcTracker::Verdict Authenticator::record_nc(const crypto::DigestCredentials& c, int64_t issued_at_ms) {
  auto nc = crypto::NcTracker::parse_nc(c.nc);
  if (!nc) return crypto::NcTracker::Verdict::kReplay;
  std::lock_guard lock(nc_mutex());
  return nc_.check_and_record(c.nonce, issued_at_ms, *nc);
}

bool Authenticator::unknown_looks_like_aka(std::string_view aor) const {
  if (!options_.aka_enabled) return false;
  if (!options_.digest_enabled) return true;
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), decoy_key_.data(), static_cast<int>(decoy_key_.size()),
       reinterpret_cast<const unsigned char*>(aor.data()), aor.size(), mac, &len);
  return (mac[0] & 1) != 0;
}

std::optional<Challenge> Authenticator::digest_challenge(std::string_view client_address, bool stale) {
  std::string nonce = nonces_->make(options_.realm, client_address);
  crypto::ChallengeParams p;
  p.realm = options_.realm;
  p.nonce = nonce;
  p.qop = options_.qop;
  p.stale = stale;
  Challenge c;
  c.www_authenticate = crypto::build_challenges(options_.digest_order, p);
  return c;
}

std::optional<Challenge> Authenticator::aka_challenge(const store::Subscriber* sub, std::string_view client_address,
                                                      bool stale, std::string& error) {
  auto rand = crypto::random_rand();
  if (!rand) {
    error = "no randomness for RAND";
    return std::nullopt;
  }
  crypto::Autn autn{};
  if (sub) {
    // SQN is stored durably before the challenge leaves: a crash cannot make us reuse it.
    auto sqn = subscribers_.reserve_sqn(sub->impi, [](uint64_t cur) { return crypto::next_sqn(cur); });
    if (!sqn.ok()) {
      error = "cannot reserve SQN: " + sqn.message();
      return std::nullopt;
    }
    auto m = crypto::Milenage::from_opc(sub->k, sub->opc);
    if (!m) {
      error = "milenage failed";
      return std::nullopt;
    }
    auto v = crypto::make_vector(*m, *rand, sqn.value(), sub->amf);
    if (!v.ok()) {
      error = v.error;
      return std::nullopt;
    }
    autn = v.value->autn;
  } else {
    // A decoy: random AUTN has the same shape as a real one; only the USIM could tell.
    RAND_bytes(autn.data(), static_cast<int>(autn.size()));
  }
  std::string server = nonces_->make(aka_binding(options_.realm, *rand), client_address);
  std::string nonce = crypto::make_aka_nonce(
      *rand, autn, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(server.data()), server.size()));
  crypto::ChallengeParams p;
  p.realm = options_.realm;
  p.nonce = nonce;
  p.qop = options_.qop;
  p.stale = stale;
  crypto::DigestAlgorithm alg;
  alg.hash = crypto::HashAlgorithm::kMd5;
  alg.aka = crypto::DigestAka::kAkav1;
  Challenge c;
  c.www_authenticate.push_back(crypto::build_challenge(alg, p));
  return c;
}

AuthResult Authenticator::challenge_for(std::string_view aor, std::string_view impi_hint, bool want_aka,
                                        std::string_view client_address, bool stale, AuthOutcome outcome,
                                        std::string reason) {
  AuthResult r;
  r.outcome = outcome;
  r.reason = std::move(reason);
  store::SharedSubscriber sub;
  if (!impi_hint.empty()) {
    auto found = subscribers_.find_shared(impi_hint);
    if (!found.ok()) {
      r.outcome = AuthOutcome::kUnavailable;
      r.reason = "subscriber store: " + found.message();
      return r;
    }
    sub = found.value();
  }
  if (!sub && !aor.empty()) {
    auto found = subscribers_.find_shared_by_impu(aor);
    if (!found.ok()) {
      r.outcome = AuthOutcome::kUnavailable;
      r.reason = "subscriber store: " + found.message();
      return r;
    }
    sub = found.value();
  }
  r.impi = sub ? sub->impi : std::string(impi_hint.empty() ? aor : impi_hint);
  bool aka;
  if (sub) {
    aka = sub->scheme == store::AuthScheme::kAka;
    // A barred user keeps looking like what it was, but never consumes a real SQN.
    if (sub->barred) sub.reset();
  } else {
    // Unknown: look like a known user of the scheme the name hashes to (or that the client
    // asked for), the same one every time.
    aka = want_aka ? options_.aka_enabled : unknown_looks_like_aka(aor);
  }
  if (aka && !options_.aka_enabled) aka = false;
  std::string error;
  std::optional<Challenge> c = aka ? aka_challenge(sub.get(), client_address, stale, error)
                                   : digest_challenge(client_address, stale);
  if (!c) {
    r.outcome = AuthOutcome::kUnavailable;
    r.reason = error;
    return r;
  }
  r.scheme = aka ? "aka" : "digest";
  r.challenge = std::move(*c);
  return r;
}

AuthResult Authenticator::authenticate(const sip::Message& msg, std::string_view aor, std::string_view client_address) {
  // The credentials for our realm; others (for another proxy) are ignored.
  std::optional<crypto::DigestCredentials> ours;
  bool malformed = false;
  for (const auto& h : msg.headers()) {
    if (h.id != sip::HeaderId::kAuthorization) continue;
    auto parsed = crypto::parse_digest_credentials(h.value);
    if (!parsed.ok()) {
      malformed = true;
      continue;
    }
    if (parsed.value->realm == options_.realm) {
      ours = std::move(*parsed.value);
      break;
    }
  }
  if (!ours) {
    return challenge_for(aor, {}, false, client_address, false, malformed ? AuthOutcome::kFailed : AuthOutcome::kChallenge,
                         malformed ? "malformed Authorization" : "no credentials");
  }
  CredentialsView view{std::move(*ours)};
  bool aka = view.creds.algorithm.aka != crypto::DigestAka::kNone;
  // IMS initial REGISTER: empty nonce and response announce the identity only (TS 24.229).
  if (view.creds.nonce.empty() || (view.creds.response.empty() && !view.creds.has_auts))
    return challenge_for(aor, view.creds.username, aka, client_address, false, AuthOutcome::kChallenge, "no answer yet");
  if (aka) {
    if (!options_.aka_enabled)
      return challenge_for(aor, view.creds.username, false, client_address, false, AuthOutcome::kFailed, "AKA disabled");
    return verify_aka(msg, view, aor, client_address);
  }
  if (!options_.digest_enabled)
    return challenge_for(aor, view.creds.username, true, client_address, false, AuthOutcome::kFailed, "Digest disabled");
  return verify_digest(msg, view, aor, client_address);
}

AuthResult Authenticator::verify_digest(const sip::Message& msg, const CredentialsView& view, std::string_view aor,
                                        std::string_view client_address) {
  const auto& c = view.creds;
  auto check = nonces_->verify(c.nonce, options_.realm, client_address);
  if (check.status == crypto::NonceStatus::kStale)
    return challenge_for(aor, c.username, false, client_address, true, AuthOutcome::kChallenge, "stale nonce");
  if (check.status == crypto::NonceStatus::kForged)
    return challenge_for(aor, c.username, false, client_address, false, AuthOutcome::kFailed, "nonce not ours");
  bool offered = false;
  for (const auto& alg : options_.digest_order) offered = offered || alg == c.algorithm;
  if (!offered || c.qop.empty())
    return challenge_for(aor, c.username, false, client_address, false, AuthOutcome::kFailed,
                         c.qop.empty() ? "credentials without qop" : "algorithm not offered");

  auto found = subscribers_.find_shared(c.username);
  if (!found.ok()) {
    return unavailable("subscriber store: " + found.message());
  }
  const auto& sub = found.value();
  // Unknown, barred or AKA-only users go through the same computation with a decoy HA1, so
  // the time to answer does not tell them apart from a wrong password.
  static const std::string kDecoyHa1(64, '0');
  bool usable = sub && !sub->barred && sub->scheme == store::AuthScheme::kDigest &&
                !ha1_for(*sub, c.algorithm.hash).empty();
  std::string_view ha1 = usable ? ha1_for(*sub, c.algorithm.hash) : std::string_view(kDecoyHa1);
  crypto::DigestInput in = digest_input(msg, c, ha1);
  bool ok = crypto::digest_verify(in, c.response) && usable;
  bool identity_ok = usable && std::find(sub->impus.begin(), sub->impus.end(), aor) != sub->impus.end();
  if (!ok || !identity_ok) {
    return challenge_for(aor, c.username, false, client_address, false, AuthOutcome::kFailed,
                         !ok ? "wrong credentials" : "To is not an identity of this user");
  }
  crypto::NcTracker::Verdict verdict = record_nc(c, check.issued_at_ms);
  if (verdict == crypto::NcTracker::Verdict::kReplay)
    return challenge_for(aor, c.username, false, client_address, false, AuthOutcome::kFailed, "nonce count replayed");
  if (verdict == crypto::NcTracker::Verdict::kForgotten)
    return challenge_for(aor, c.username, false, client_address, true, AuthOutcome::kChallenge, "nonce forgotten");
  AuthResult r;
  r.outcome = AuthOutcome::kAuthenticated;
  r.subscriber = sub;
  r.impi = sub->impi;
  r.scheme = "digest";
  return r;
}

AuthResult Authenticator::verify_aka(const sip::Message& msg, const CredentialsView& view, std::string_view aor,
                                     std::string_view client_address) {
  const auto& c = view.creds;
  auto split = crypto::split_aka_nonce(c.nonce);
  if (!split.ok())
    return challenge_for(aor, c.username, true, client_address, false, AuthOutcome::kFailed, "malformed AKA nonce");
  const auto& nonce = *split.value;
  std::string server(nonce.server_data.begin(), nonce.server_data.end());
  auto check = nonces_->verify(server, aka_binding(options_.realm, nonce.rand), client_address);
  if (check.status == crypto::NonceStatus::kForged)
    return challenge_for(aor, c.username, true, client_address, false, AuthOutcome::kFailed, "AKA nonce not ours");

  auto found = subscribers_.find_shared(c.username);
  if (!found.ok()) {
    return unavailable("subscriber store: " + found.message());
  }
  const auto& sub = found.value();
  bool usable = sub && !sub->barred && sub->scheme == store::AuthScheme::kAka;
  if (!usable)
    return challenge_for(aor, c.username, true, client_address, false, AuthOutcome::kFailed, "wrong credentials");
  auto m = crypto::Milenage::from_opc(sub->k, sub->opc);
  if (!m) {
    return unavailable("milenage failed");
  }
  if (c.has_auts) {
    // The USIM refused our SQN as not fresh: recover its SQN_MS, continue from there.
    auto auts = crypto::decode_auts(c.auts);
    auto sqn_ms = auts.ok() ? crypto::recover_sqn_ms(*m, nonce.rand, *auts.value) : crypto::Result<uint64_t>::failure(auts.error);
    if (!sqn_ms.ok())
      return challenge_for(aor, c.username, true, client_address, false, AuthOutcome::kFailed, "AUTS invalid: " + sqn_ms.error);
    // TS 33.102 C.3.4: keep SQN_HE when its next value is fresh for the USIM, else restart
    // from SQN_MS; the next challenge's reserve_sqn advances from the stored value.
    uint64_t next = crypto::resync_next_sqn(sub->sqn, *sqn_ms.value);
    uint64_t keep = next == crypto::next_sqn(sub->sqn) ? sub->sqn : *sqn_ms.value;
    auto set = subscribers_.set_sqn(sub->impi, keep);
    if (!set.ok()) {
      AuthResult r;
      r.outcome = AuthOutcome::kUnavailable;
      r.reason = "cannot store resynchronised SQN: " + set.message();
      return r;
    }
    return challenge_for(aor, c.username, true, client_address, false, AuthOutcome::kChallenge, "SQN resynchronised");
  }
  if (check.status == crypto::NonceStatus::kStale)
    return challenge_for(aor, c.username, true, client_address, true, AuthOutcome::kChallenge, "stale nonce");
  if (c.qop.empty())
    return challenge_for(aor, c.username, true, client_address, false, AuthOutcome::kFailed, "credentials without qop");
  auto f = m->f2345(nonce.rand);
  if (!f) {
    return unavailable("milenage failed");
  }
  auto ha1 = crypto::aka_ha1(c.algorithm.aka, c.username, options_.realm, f->res, f->ik, f->ck);
  crypto::DigestInput in = digest_input(msg, c, ha1 ? std::string_view(*ha1) : std::string_view());
  bool ok = ha1 && crypto::digest_verify(in, c.response);
  bool identity_ok = std::find(sub->impus.begin(), sub->impus.end(), aor) != sub->impus.end();
  if (!ok || !identity_ok)
    return challenge_for(aor, c.username, true, client_address, false, AuthOutcome::kFailed,
                         !ok ? "wrong credentials" : "To is not an identity of this user");
  crypto::NcTracker::Verdict verdict = record_nc(c, check.issued_at_ms);
  if (verdict != crypto::NcTracker::Verdict::kAccepted)
    return challenge_for(aor, c.username, true, client_address, false, AuthOutcome::kFailed, "nonce count replayed");
  AuthResult r;
  r.outcome = AuthOutcome::kAuthenticated;
  r.subscriber = sub;
  r.impi = sub->impi;
  r.scheme = "aka";
  return r;
}

}  // namespace imsguard::edge
