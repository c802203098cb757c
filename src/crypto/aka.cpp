#include "crypto/aka.h"

#include <openssl/rand.h>

#include <algorithm>

#include "crypto/ct.h"
#include "crypto/random_pool.h"

namespace imsguard::crypto {

namespace {

int clamp_ind_bits(const SqnScheme& s) { return std::clamp(s.ind_bits, 0, 10); }

SqnBytes xor6(const SqnBytes& a, const SqnBytes& b) {
  SqnBytes out{};
  for (size_t i = 0; i < out.size(); ++i) out[i] = a[i] ^ b[i];
  return out;
}

}  // namespace

SqnBytes sqn_to_bytes(uint64_t sqn) {
  SqnBytes b{};
  for (int i = 5; i >= 0; --i) {
    b[static_cast<size_t>(i)] = static_cast<uint8_t>(sqn & 0xff);
    sqn >>= 8;
  }
  return b;
}

uint64_t sqn_from_bytes(const SqnBytes& b) {
  uint64_t v = 0;
  for (uint8_t byte : b) v = v << 8 | byte;
  return v;
}

bool amf_separation_bit(const Amf& amf) { return (amf[0] & 0x80) != 0; }

uint64_t sqn_seq(uint64_t sqn, const SqnScheme& scheme) { return (sqn & kMaxSqn) >> clamp_ind_bits(scheme); }

uint64_t sqn_ind(uint64_t sqn, const SqnScheme& scheme) {
  return sqn & ((uint64_t{1} << clamp_ind_bits(scheme)) - 1);
}

uint64_t make_sqn(uint64_t seq, uint64_t ind, const SqnScheme& scheme) {
  int bits = clamp_ind_bits(scheme);
  return ((seq << bits) | (ind & ((uint64_t{1} << bits) - 1))) & kMaxSqn;
}

uint64_t next_sqn(uint64_t current, const SqnScheme& scheme) {
  int bits = clamp_ind_bits(scheme);
  uint64_t seq = sqn_seq(current, scheme);
  uint64_t max_seq = kMaxSqn >> bits;
  if (current > kMaxSqn || seq >= max_seq) return current;
  uint64_t ind = (sqn_ind(current, scheme) + 1) & ((uint64_t{1} << bits) - 1);
  return make_sqn(seq + 1, ind, scheme);
}

uint64_t resync_next_sqn(uint64_t sqn_he, uint64_t sqn_ms, const SqnScheme& scheme) {
  uint64_t candidate = next_sqn(sqn_he, scheme);
  uint64_t seq_c = sqn_seq(candidate, scheme);
  uint64_t seq_ms = sqn_seq(sqn_ms, scheme);
  if (candidate != sqn_he && seq_c > seq_ms && seq_c - seq_ms <= scheme.delta) return candidate;
  return next_sqn(sqn_ms, scheme);
}

std::optional<Rand> random_rand() {
  Rand r{};
  if (!random_bytes(r.data(), r.size())) return std::nullopt;
  return r;
}

Result<AuthVector> make_vector(const Milenage& m, const Rand& rand, uint64_t sqn, const Amf& amf) {
  if (sqn > kMaxSqn) return Result<AuthVector>(imsguard::invalid_argument("SQN exceeds 48 bits"));
  SqnBytes sqn_b = sqn_to_bytes(sqn);
  auto mac = m.f1(rand, sqn_b, amf);
  auto f = m.f2345(rand);
  if (!mac || !f) return Result<AuthVector>(imsguard::invalid_argument("Milenage failed (OpenSSL AES error)"));
  AuthVector v;
  v.rand = rand;
  v.sqn = sqn;
  v.amf = amf;
  v.xres = f->res;
  v.ck = f->ck;
  v.ik = f->ik;
  SqnBytes conc = xor6(sqn_b, f->ak);
  std::copy(conc.begin(), conc.end(), v.autn.begin());
  std::copy(amf.begin(), amf.end(), v.autn.begin() + 6);
  std::copy(mac->begin(), mac->end(), v.autn.begin() + 8);
  return Result<AuthVector>(v);
}

Result<Auts> make_auts(const Milenage& m, const Rand& rand, uint64_t sqn_ms) {
  if (sqn_ms > kMaxSqn) return Result<Auts>(imsguard::invalid_argument("SQN_MS exceeds 48 bits"));
  SqnBytes sqn_b = sqn_to_bytes(sqn_ms);
  auto mac_s = m.f1star(rand, sqn_b, Amf{0, 0});
  auto ak_star = m.f5star(rand);
  if (!mac_s || !ak_star) return Result<Auts>(imsguard::invalid_argument("Milenage failed (OpenSSL AES error)"));
  Auts auts{};
  SqnBytes conc = xor6(sqn_b, *ak_star);
  std::copy(conc.begin(), conc.end(), auts.begin());
  std::copy(mac_s->begin(), mac_s->end(), auts.begin() + 6);
  return Result<Auts>(auts);
}

Result<uint64_t> recover_sqn_ms(const Milenage& m, const Rand& rand, const Auts& auts) {
  auto ak_star = m.f5star(rand);
  if (!ak_star) return Result<uint64_t>(imsguard::invalid_argument("Milenage failed (OpenSSL AES error)"));
  SqnBytes conc{};
  std::copy(auts.begin(), auts.begin() + 6, conc.begin());
  SqnBytes sqn_b = xor6(conc, *ak_star);
  auto xmac_s = m.f1star(rand, sqn_b, Amf{0, 0});
  if (!xmac_s) return Result<uint64_t>(imsguard::invalid_argument("Milenage failed (OpenSSL AES error)"));
  if (!constant_time_equal(std::span<const uint8_t>(xmac_s->data(), xmac_s->size()),
                           std::span<const uint8_t>(auts.data() + 6, 8)))
    return Result<uint64_t>(imsguard::invalid_argument("AUTS MAC-S mismatch: not from this subscriber's USIM for this RAND"));
  return Result<uint64_t>(sqn_from_bytes(sqn_b));
}

SqnWindow::SqnWindow(SqnScheme scheme) : scheme_(scheme) {
  scheme_.ind_bits = clamp_ind_bits(scheme);
  seq_.assign(size_t{1} << scheme_.ind_bits, 0);
}

SqnWindow::Verdict SqnWindow::check(uint64_t sqn) const {
  uint64_t seq = sqn_seq(sqn, scheme_);
  uint64_t seq_ms = sqn_seq(highest_, scheme_);
  if (seq <= seq_[static_cast<size_t>(sqn_ind(sqn, scheme_))]) return Verdict::kReplayed;
  if (seq > seq_ms && seq - seq_ms > scheme_.delta) return Verdict::kTooFarAhead;
  if (scheme_.age_limit != 0 && seq < seq_ms && seq_ms - seq >= scheme_.age_limit) return Verdict::kTooOld;
  return Verdict::kFresh;
}

void SqnWindow::accept(uint64_t sqn) {
  seq_[static_cast<size_t>(sqn_ind(sqn, scheme_))] = sqn_seq(sqn, scheme_);
  if (sqn_seq(sqn, scheme_) > sqn_seq(highest_, scheme_)) highest_ = sqn & kMaxSqn;
}

ClientAuthResult client_authenticate(const Milenage& m, const Rand& rand, const Autn& autn, SqnWindow& window,
                                     bool require_ims_amf) {
  ClientAuthResult r;
  auto f = m.f2345(rand);
  if (!f) return r;
  SqnBytes conc{};
  std::copy(autn.begin(), autn.begin() + 6, conc.begin());
  Amf amf{autn[6], autn[7]};
  SqnBytes sqn_b = xor6(conc, f->ak);
  auto xmac = m.f1(rand, sqn_b, amf);
  if (!xmac) return r;
  if (!constant_time_equal(std::span<const uint8_t>(xmac->data(), xmac->size()),
                           std::span<const uint8_t>(autn.data() + 8, 8))) {
    r.status = AutnStatus::kMacFailure;
    return r;
  }
  r.sqn = sqn_from_bytes(sqn_b);
  if (require_ims_amf && !amf_valid_for_ims(amf)) {
    r.status = AutnStatus::kAmfRejected;
    return r;
  }
  r.sqn_verdict = window.check(r.sqn);
  if (r.sqn_verdict != SqnWindow::Verdict::kFresh) {
    auto auts = make_auts(m, rand, window.sqn_ms());
    if (!auts.ok()) return r;
    r.auts = *auts;
    r.status = AutnStatus::kSyncFailure;
    return r;
  }
  window.accept(r.sqn);
  r.res = f->res;
  r.ck = f->ck;
  r.ik = f->ik;
  r.status = AutnStatus::kOk;
  return r;
}

std::string_view autn_status_name(AutnStatus s) {
  switch (s) {
    case AutnStatus::kOk: return "ok";
    case AutnStatus::kMacFailure: return "network failed to authenticate (MAC-A mismatch)";
    case AutnStatus::kSyncFailure: return "synchronisation failure (SQN not fresh)";
    case AutnStatus::kAmfRejected: return "AMF separation bit set (not an IMS vector)";
    case AutnStatus::kInternalError: return "internal error";
  }
  return "internal error";
}

}  // namespace imsguard::crypto
