#include "edge/authenticator.h"

#include "crypto/aka.h"
#include "crypto/ct.h"
#include "crypto/digest_aka.h"
#include "crypto/digest_header.h"
#include "crypto/hex.h"
#include "crypto/hmac.h"
#include "crypto/milenage.h"
#include "sip/uri.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace imsguard::edge {

namespace {

// The AKA nonce's server data binds RAND into the HMAC: a captured (RAND, RES) pair cannot be
// spliced with fresh server data. The identity is bound too (issue 17 F15).
std::string aka_binding(std::string_view realm, const crypto::Rand& rand, std::string_view identity) {
  std::string b(realm);
  b += '|';
  b += crypto::to_hex(rand);
  b += '|';
  b += identity;
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

AuthResult unavailable(std::string detail) {
  AuthResult r;
  r.outcome = AuthOutcome::kUnavailable;
  r.reason = AuthReason::kStoreUnavailable;
  r.detail = std::move(detail);
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

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

crypto::NonceProof proof_of(crypto::NonceStatus s) {
  switch (s) {
    case crypto::NonceStatus::kValid: return crypto::NonceProof::kValid;
    case crypto::NonceStatus::kStale: return crypto::NonceProof::kStale;
    case crypto::NonceStatus::kForged: return crypto::NonceProof::kNotOurs;
  }
  return crypto::NonceProof::kNotOurs;
}

}  // namespace

std::string_view reason_text(AuthReason reason) {
  switch (reason) {
    case AuthReason::kNone: return "authenticated";
    case AuthReason::kNoCredentials: return "no credentials";
    case AuthReason::kRealmMismatch: return "realm mismatch (credentials for another realm only)";
    case AuthReason::kMalformed: return "malformed Authorization";
    case AuthReason::kAmbiguous: return "several Authorization headers for our realm";
    case AuthReason::kNoAnswerYet: return "no answer yet";
    case AuthReason::kStaleNonce: return "stale nonce";
    case AuthReason::kNonceNotOurs: return "nonce not issued by this edge to this source";
    case AuthReason::kNonceOtherIdentity: return "nonce issued for another identity";
    case AuthReason::kUriMismatch: return "Digest uri is not the Request-URI";
    case AuthReason::kAlgorithmNotOffered: return "algorithm not offered";
    case AuthReason::kNoQop: return "credentials without qop";
    case AuthReason::kUnknownUser: return "unknown user";
    case AuthReason::kBarred: return "barred user";
    case AuthReason::kWrongScheme: return "user authenticates with the other scheme";
    case AuthReason::kWrongPassword: return "wrong password";
    case AuthReason::kIdentityMismatch: return "To is not an identity of this user";
    case AuthReason::kNcReplay: return "nonce count replayed";
    case AuthReason::kNcForgotten: return "nonce forgotten";
    case AuthReason::kSchemeDisabled: return "scheme disabled";
    case AuthReason::kResynchronised: return "SQN resynchronised";
    case AuthReason::kAutsInvalid: return "AUTS invalid";
    case AuthReason::kStoreUnavailable: return "store unavailable";
  }
  return "unknown";
}

std::string AuthResult::reason_line() const {
  std::string line(reason_text(reason));
  if (!detail.empty()) line.append(": ").append(detail);
  return line;
}

bool digest_uri_matches(std::string_view digest_uri, std::string_view request_uri) {
  if (digest_uri == request_uri) return true;
  auto a = sip::parse_uri(digest_uri);
  auto b = sip::parse_uri(request_uri);
  if (!a || !b || !a->is_sip() || !b->is_sip()) return false;
  return a->scheme_id == b->scheme_id && a->has_user == b->has_user && a->user_unescaped() == b->user_unescaped() &&
         lower(a->host) == lower(b->host) && a->port == b->port;
}

AuthenticatorOptions Authenticator::options_from(const config::Config& c) {
  AuthenticatorOptions o;
  o.realm = c.auth.realm;
  if (auto order = crypto::parse_algorithm_order(c.auth.digest_algorithms); order.ok()) o.digest_order = *order;
  o.qop = c.auth.qop;
  o.nonce_lifetime_ms = static_cast<int64_t>(c.auth.nonce_lifetime_s) * 1000;
  o.rotation_ms = static_cast<int64_t>(c.auth.nonce_secret_rotation_s) * 1000;
  o.aka_enabled = c.auth.aka;
  o.digest_enabled = c.auth.digest;
  return o;
}

StatusOr<std::unique_ptr<Authenticator>> Authenticator::create(AuthenticatorOptions options,
                                                               store::SubscriberStore& subscribers) {
  if (options.digest_order.empty()) return invalid_argument("auth.digest_algorithms: no usable algorithm");
  if (!options.aka_enabled && !options.digest_enabled)
    return invalid_argument("auth: both aka and digest are disabled; nobody could register");
  crypto::NonceOptions nonce_options;
  nonce_options.lifetime_ms = options.nonce_lifetime_ms;
  nonce_options.rotation_ms = options.rotation_ms;
  nonce_options.clock = options.clock;
  nonce_options.mac = options.mac;
  auto nonces = crypto::NonceAuthority::create(nonce_options);
  if (!nonces) return unavailable_error("cannot create the nonce authority (no randomness?)");
  auto a = std::unique_ptr<Authenticator>(new Authenticator(std::move(options), subscribers, std::move(nonces)));
  if (RAND_bytes(a->decoy_key_.data(), static_cast<int>(a->decoy_key_.size())) != 1)
    return unavailable_error("no randomness for the decoy key");
  // The decoy scheme follows the population: the share of AKA subscribers among (up to) the
  // first 4096 records. With no subscriber at all, half and half.
  if (auto page = subscribers.list(0, 4096); page.ok() && !page.value().empty()) {
    size_t aka = 0;
    for (const auto& s : page.value()) aka += s.scheme == store::AuthScheme::kAka ? 1 : 0;
    a->aka_share_ = static_cast<double>(aka) / static_cast<double>(page.value().size());
  }
  return a;
}

Authenticator::Authenticator(AuthenticatorOptions options, store::SubscriberStore& subscribers,
                             std::unique_ptr<crypto::NonceAuthority> nonces)
    : options_(std::move(options)),
      subscribers_(subscribers),
      nonces_(std::move(nonces)),
      nc_(options_.nc_capacity),
      sqns_(subscribers, options_.sqn_batch) {}

crypto::NcTracker::Verdict Authenticator::record_nc(const crypto::DigestCredentials& c, int64_t issued_at_ms) {
  auto nc = crypto::NcTracker::parse_nc(c.nc);
  if (!nc) return crypto::NcTracker::Verdict::kReplay;
  std::lock_guard lock(nc_mutex_);
  return nc_.check_and_record(c.nonce, issued_at_ms, *nc);
}

std::string Authenticator::digest_binding(std::string_view identity) const {
  std::string b = options_.realm;
  b += '|';
  b += identity;
  return b;
}

bool Authenticator::decoy_is_aka(std::string_view identity) const {
  if (!options_.aka_enabled) return false;
  if (!options_.digest_enabled) return true;
  // Keyed (the key never leaves the process) and stable (the same name always looks like the
  // same kind of user), with AKA as often as among real subscribers: the scheme of a name
  // says nothing about whether it exists. What the client asks for plays no part.
  auto mac = options_.mac ? options_.mac(decoy_key_, identity) : crypto::hmac_sha256(decoy_key_, identity);
  // No MAC: the scheme most subscribers have, the same for every name (nothing to compare).
  if (!mac) return aka_share_ >= 0.5;
  const auto& m = *mac;
  uint32_t v = (uint32_t{m[0]} << 24) | (uint32_t{m[1]} << 16) | (uint32_t{m[2]} << 8) | m[3];
  return static_cast<double>(v) < aka_share_ * 4294967296.0;
}

crypto::RequestCredentials Authenticator::read(const sip::Message& msg, sip::HeaderId header,
                                               std::string_view client_address) {
  crypto::RequestCredentials r = crypto::read_credentials(msg, header, options_.realm);
  if (r.found != crypto::CredentialsFound::kOurs || r.creds.nonce.empty()) return r;
  const auto& c = r.creds;
  // The nonce is checked for the identity this request claims; when it fails, a second check
  // without regard to identity only tells "for another identity" from "not ours" (for the
  // log); neither proves anything.
  if (c.algorithm.aka != crypto::DigestAka::kNone) {
    auto split = crypto::split_aka_nonce(c.nonce);
    if (!split.ok()) {
      r.proof = crypto::NonceProof::kNotOurs;
      return r;
    }
    std::string server(split->server_data.begin(), split->server_data.end());
    auto check = nonces_->verify(server, aka_binding(options_.realm, split->rand, r.impi), client_address);
    r.proof = proof_of(check.status);
    r.nonce_issued_at_ms = check.issued_at_ms;
    return r;
  }
  auto check = nonces_->verify(c.nonce, digest_binding(r.impi), client_address);
  r.proof = proof_of(check.status);
  r.nonce_issued_at_ms = check.issued_at_ms;
  if (r.proof == crypto::NonceProof::kNotOurs) {
    // Issued to this source for the identity of the To (a phone whose IMPI differs from its
    // IMPU and that sent no identity before the challenge)?
    std::string to = crypto::to_impi(msg);
    if (to != r.impi && nonces_->verify(c.nonce, digest_binding(to), client_address).status != crypto::NonceStatus::kForged)
      r.proof = crypto::NonceProof::kOtherIdentity;
  }
  return r;
}

StatusOr<Challenge> Authenticator::digest_challenge(std::string_view identity, std::string_view client_address,
                                                    bool stale) {
  std::string nonce = nonces_->make(digest_binding(identity), client_address);
  // The MAC or the CSPRNG failed: no challenge rather than an unbound nonce.
  if (nonce.empty()) return internal_error("cannot make a nonce (MAC or randomness failed)");
  crypto::ChallengeParams p;
  p.realm = options_.realm;
  p.nonce = nonce;
  p.qop = options_.qop;
  p.stale = stale;
  Challenge c;
  c.www_authenticate = crypto::build_challenges(options_.digest_order, p);
  return c;
}

StatusOr<Challenge> Authenticator::aka_challenge(const store::Subscriber* sub, std::string_view identity,
                                                 std::string_view client_address, bool stale) {
  auto rand = crypto::random_rand();
  if (!rand) return unavailable_error("no randomness for RAND");
  crypto::Autn autn{};
  if (sub) {
    // From the batch reserved durably ahead of use: memory only, except once per batch.
    auto sqn = sqns_.next(sub->impi);
    if (!sqn.ok()) return Status(sqn.code(), "cannot reserve SQN: " + sqn.message());
    auto m = crypto::Milenage::from_opc(sub->k, sub->opc);
    if (!m) return internal_error("milenage failed");
    auto v = crypto::make_vector(*m, *rand, sqn.value(), sub->amf);
    if (!v.ok()) return v.status();
    autn = v->autn;
  } else {
    // A decoy: random AUTN has the same shape as a real one; only the USIM could tell.
    if (RAND_bytes(autn.data(), static_cast<int>(autn.size())) != 1)
      return unavailable_error("no randomness for the decoy AUTN");
  }
  std::string server = nonces_->make(aka_binding(options_.realm, *rand, identity), client_address);
  if (server.empty()) return internal_error("cannot make a nonce (MAC or randomness failed)");
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

AuthResult Authenticator::challenge_for(const crypto::RequestCredentials& creds, std::string_view aor,
                                        std::string_view client_address, bool stale, AuthOutcome outcome,
                                        AuthReason reason) {
  AuthResult r;
  r.outcome = outcome;
  r.reason = reason;
  r.answered_our_challenge = creds.proof == crypto::NonceProof::kValid;
  store::SharedSubscriber sub;
  std::string_view username = creds.found == crypto::CredentialsFound::kOurs ? std::string_view(creds.creds.username)
                                                                              : std::string_view();
  if (!username.empty()) {
    auto found = subscribers_.find_shared(username);
    if (!found.ok()) return unavailable("subscriber store: " + found.message());
    sub = found.value();
  }
  if (!sub && username.empty() && !aor.empty()) {
    auto found = subscribers_.find_shared_by_impu(aor);
    if (!found.ok()) return unavailable("subscriber store: " + found.message());
    sub = found.value();
  }
  r.impi = sub ? sub->impi : creds.impi;
  bool aka;
  if (sub) {
    aka = sub->scheme == store::AuthScheme::kAka;
    // A barred user keeps looking like what it was, but never consumes a real SQN.
    if (sub->barred) sub.reset();
  } else {
    aka = decoy_is_aka(creds.impi);
  }
  if (aka && !options_.aka_enabled) aka = false;
  if (!aka && !options_.digest_enabled) aka = true;
  // The nonce is bound to the identity the request claimed, the key the guards count on.
  StatusOr<Challenge> c = aka ? aka_challenge(sub.get(), creds.impi, client_address, stale)
                              : digest_challenge(creds.impi, client_address, stale);
  if (!c.ok()) return unavailable(c.message());  // the edge answers 500/503 whatever the code
  r.scheme = aka ? AuthScheme::kAka : AuthScheme::kDigest;
  r.challenge = std::move(c).value();
  return r;
}

AuthResult Authenticator::authenticate(const sip::Message& msg, std::string_view aor, std::string_view client_address) {
  return authenticate(msg, read(msg, sip::HeaderId::kAuthorization, client_address), aor, client_address);
}

AuthResult Authenticator::authenticate(const sip::Message& msg, const crypto::RequestCredentials& creds,
                                       std::string_view aor, std::string_view client_address) {
  using F = crypto::CredentialsFound;
  switch (creds.found) {
    case F::kNone:
      return challenge_for(creds, aor, client_address, false, AuthOutcome::kChallenge, AuthReason::kNoCredentials);
    case F::kOtherRealm:
      return challenge_for(creds, aor, client_address, false, AuthOutcome::kChallenge, AuthReason::kRealmMismatch);
    case F::kMalformed:
      return challenge_for(creds, aor, client_address, false, AuthOutcome::kFailed, AuthReason::kMalformed);
    case F::kAmbiguous:
      return challenge_for(creds, aor, client_address, false, AuthOutcome::kFailed, AuthReason::kAmbiguous);
    case F::kOurs:
      break;
  }
  const auto& c = creds.creds;
  bool aka = c.algorithm.aka != crypto::DigestAka::kNone;
  // IMS initial REGISTER: empty nonce and response announce the identity only (TS 24.229).
  if (c.nonce.empty() || (c.response.empty() && !c.has_auts))
    return challenge_for(creds, aor, client_address, false, AuthOutcome::kChallenge, AuthReason::kNoAnswerYet);
  if (aka ? !options_.aka_enabled : !options_.digest_enabled)
    return challenge_for(creds, aor, client_address, false, AuthOutcome::kFailed, AuthReason::kSchemeDisabled);
  // A nonce we did not issue to this source for this identity proves nothing about who sent
  // it (a spoofer's, another edge process's, a captured one): a fresh challenge, stale=true so
  // a real client answers it without asking its user, and never a counted failure. Nothing is
  // verified against it, so it is no oracle for password guesses either.
  switch (creds.proof) {
    case crypto::NonceProof::kNotOurs:
      if (!c.has_auts)
        return challenge_for(creds, aor, client_address, true, AuthOutcome::kChallenge, AuthReason::kNonceNotOurs);
      return challenge_for(creds, aor, client_address, false, AuthOutcome::kChallenge, AuthReason::kNonceNotOurs);
    case crypto::NonceProof::kOtherIdentity:
      return challenge_for(creds, aor, client_address, true, AuthOutcome::kChallenge, AuthReason::kNonceOtherIdentity);
    case crypto::NonceProof::kStale:
      if (aka && c.has_auts) break;  // a resynchronisation may answer an old challenge
      return challenge_for(creds, aor, client_address, true, AuthOutcome::kChallenge, AuthReason::kStaleNonce);
    case crypto::NonceProof::kValid:
    case crypto::NonceProof::kNotChecked:
      break;
  }
  if (!c.has_auts && !digest_uri_matches(c.uri, msg.request_uri()))
    return challenge_for(creds, aor, client_address, false, AuthOutcome::kFailed, AuthReason::kUriMismatch);
  return aka ? verify_aka(msg, creds, aor, client_address) : verify_digest(msg, creds, aor, client_address);
}

AuthResult Authenticator::verify_digest(const sip::Message& msg, const crypto::RequestCredentials& creds,
                                        std::string_view aor, std::string_view client_address) {
  const auto& c = creds.creds;
  bool offered = false;
  for (const auto& alg : options_.digest_order) offered = offered || alg == c.algorithm;
  if (!offered || c.qop.empty())
    return challenge_for(creds, aor, client_address, false, AuthOutcome::kFailed,
                         c.qop.empty() ? AuthReason::kNoQop : AuthReason::kAlgorithmNotOffered);

  auto found = subscribers_.find_shared(c.username);
  if (!found.ok()) return unavailable("subscriber store: " + found.message());
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
    AuthReason why = !sub                                         ? AuthReason::kUnknownUser
                     : sub->barred                                ? AuthReason::kBarred
                     : sub->scheme != store::AuthScheme::kDigest  ? AuthReason::kWrongScheme
                     : !ok                                        ? AuthReason::kWrongPassword
                                                                  : AuthReason::kIdentityMismatch;
    return challenge_for(creds, aor, client_address, false, AuthOutcome::kFailed, why);
  }
  crypto::NcTracker::Verdict verdict = record_nc(c, creds.nonce_issued_at_ms);
  if (verdict == crypto::NcTracker::Verdict::kReplay)
    return challenge_for(creds, aor, client_address, false, AuthOutcome::kFailed, AuthReason::kNcReplay);
  if (verdict == crypto::NcTracker::Verdict::kForgotten)
    return challenge_for(creds, aor, client_address, true, AuthOutcome::kChallenge, AuthReason::kNcForgotten);
  AuthResult r;
  r.outcome = AuthOutcome::kAuthenticated;
  r.reason = AuthReason::kNone;
  r.subscriber = sub;
  r.impi = sub->impi;
  r.scheme = AuthScheme::kDigest;
  r.answered_our_challenge = true;
  return r;
}

AuthResult Authenticator::verify_aka(const sip::Message& msg, const crypto::RequestCredentials& creds,
                                     std::string_view aor, std::string_view client_address) {
  const auto& c = creds.creds;
  auto split = crypto::split_aka_nonce(c.nonce);
  if (!split.ok())
    return challenge_for(creds, aor, client_address, false, AuthOutcome::kChallenge, AuthReason::kNonceNotOurs);
  const auto& nonce = *split;

  auto found = subscribers_.find_shared(c.username);
  if (!found.ok()) return unavailable("subscriber store: " + found.message());
  const auto& sub = found.value();
  bool usable = sub && !sub->barred && sub->scheme == store::AuthScheme::kAka;
  if (!usable) {
    AuthReason why = !sub ? AuthReason::kUnknownUser : sub->barred ? AuthReason::kBarred : AuthReason::kWrongScheme;
    return challenge_for(creds, aor, client_address, false, AuthOutcome::kFailed, why);
  }
  auto m = crypto::Milenage::from_opc(sub->k, sub->opc);
  if (!m) return unavailable("milenage failed");
  if (c.has_auts) {
    // An AUTS is only taken from the source we challenged: a made-up nonce's RAND would let a
    // stranger move the SQN (the forged AUTS itself is refused by its MAC-S).
    if (creds.proof != crypto::NonceProof::kValid && creds.proof != crypto::NonceProof::kStale)
      return challenge_for(creds, aor, client_address, false, AuthOutcome::kChallenge, AuthReason::kNonceNotOurs);
    // The USIM refused our SQN as not fresh: recover its SQN_MS, continue from there.
    auto auts = crypto::decode_auts(c.auts);
    auto sqn_ms = auts.ok() ? crypto::recover_sqn_ms(*m, nonce.rand, *auts) : crypto::Result<uint64_t>(imsguard::invalid_argument(auts.message()));
    if (!sqn_ms.ok()) {
      AuthResult r = challenge_for(creds, aor, client_address, false, AuthOutcome::kFailed, AuthReason::kAutsInvalid);
      if (r.outcome != AuthOutcome::kUnavailable) r.detail = sqn_ms.message();
      return r;
    }
    // TS 33.102 C.3.4: keep SQN_HE when its next value is fresh for the USIM, else restart
    // from SQN_MS; the next challenge's reservation advances from the stored value.
    uint64_t next = crypto::resync_next_sqn(sub->sqn, *sqn_ms);
    uint64_t keep = next == crypto::next_sqn(sub->sqn) ? sub->sqn : *sqn_ms;
    auto set = subscribers_.set_sqn(sub->impi, keep);
    if (!set.ok()) return unavailable("cannot store resynchronised SQN: " + set.message());
    sqns_.forget(sub->impi);
    return challenge_for(creds, aor, client_address, false, AuthOutcome::kChallenge, AuthReason::kResynchronised);
  }
  if (c.qop.empty()) return challenge_for(creds, aor, client_address, false, AuthOutcome::kFailed, AuthReason::kNoQop);
  auto f = m->f2345(nonce.rand);
  if (!f) return unavailable("milenage failed");
  auto ha1 = crypto::aka_ha1(c.algorithm.aka, c.username, options_.realm, f->res, f->ik, f->ck);
  crypto::DigestInput in = digest_input(msg, c, ha1 ? std::string_view(*ha1) : std::string_view());
  bool ok = ha1 && crypto::digest_verify(in, c.response);
  bool identity_ok = std::find(sub->impus.begin(), sub->impus.end(), aor) != sub->impus.end();
  if (!ok || !identity_ok)
    return challenge_for(creds, aor, client_address, false, AuthOutcome::kFailed,
                         !ok ? AuthReason::kWrongPassword : AuthReason::kIdentityMismatch);
  crypto::NcTracker::Verdict verdict = record_nc(c, creds.nonce_issued_at_ms);
  if (verdict != crypto::NcTracker::Verdict::kAccepted)
    return challenge_for(creds, aor, client_address, false, AuthOutcome::kFailed, AuthReason::kNcReplay);
  AuthResult r;
  r.outcome = AuthOutcome::kAuthenticated;
  r.reason = AuthReason::kNone;
  r.subscriber = sub;
  r.impi = sub->impi;
  r.scheme = AuthScheme::kAka;
  r.answered_our_challenge = true;
  return r;
}

}  // namespace imsguard::edge
