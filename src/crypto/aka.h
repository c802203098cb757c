#pragma once
// UMTS/IMS AKA (3GPP TS 33.102 section 6.3 and Annex C) on top of Milenage: the network
// builds authentication vectors, the client (USIM side, used by tests and tools) checks AUTN
// so the network proves itself too, and a stale SQN is repaired with AUTS. SQN freshness is
// what stops a captured challenge from being replayed to the client.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "crypto/milenage.h"
#include "crypto/result.h"

namespace imsguard::crypto {

using Autn = std::array<uint8_t, 16>;  // (SQN xor AK) || AMF || MAC-A
using Auts = std::array<uint8_t, 14>;  // (SQN_MS xor AK*) || MAC-S

inline constexpr uint64_t kMaxSqn = (uint64_t{1} << 48) - 1;

SqnBytes sqn_to_bytes(uint64_t sqn);  // big-endian, low 48 bits
uint64_t sqn_from_bytes(const SqnBytes& b);

// AMF bit 0 (the most significant bit of the first octet) is the "separation bit": 1 marks a
// vector for E-UTRAN (TS 33.401 6.1.1). A vector for IMS must have it 0, otherwise a vector
// minted for IMS could be replayed against the EPS side or the other way round.
bool amf_separation_bit(const Amf& amf);
inline bool amf_valid_for_ims(const Amf& amf) { return !amf_separation_bit(amf); }

// SQN = SEQ || IND (TS 33.102 C.1.1/C.2). The defaults are the Annex C example values.
struct SqnScheme {
  int ind_bits = 5;                     // a = 2^5 = 32 array entries in the USIM
  uint64_t delta = uint64_t{1} << 28;   // largest accepted jump of SEQ (C.2.2 "delta")
  uint64_t age_limit = 0;               // "L" of C.2.2 (SEQ_MS - SEQ < L); 0 = not used
};

uint64_t sqn_seq(uint64_t sqn, const SqnScheme& scheme = {});
uint64_t sqn_ind(uint64_t sqn, const SqnScheme& scheme = {});
uint64_t make_sqn(uint64_t seq, uint64_t ind, const SqnScheme& scheme = {});

// Network-side SQN policy (C.1.2 profile 2 with IND cycling): SEQ + 1 and IND + 1 mod 2^a, so
// consecutive vectors land in different USIM array slots and may be used out of order. The
// result is always > current; at the end of the 48-bit space it returns `current` unchanged
// (the store refuses a non-increasing SQN, which surfaces the exhaustion).
uint64_t next_sqn(uint64_t current, const SqnScheme& scheme = {});

// After a resync (C.3.4): keep generating from SQN_HE when its next value is fresh for the
// USIM (ahead of SQN_MS by at most delta), otherwise restart from SQN_MS. Returns the SQN of
// the next vector.
uint64_t resync_next_sqn(uint64_t sqn_he, uint64_t sqn_ms, const SqnScheme& scheme = {});

// What the network keeps per challenge to check the client's answer.
struct AuthVector {
  Rand rand{};
  Autn autn{};
  Res xres{};
  Ck ck{};
  Ik ik{};
  uint64_t sqn = 0;
  Amf amf{};
};

// RAND from RAND_bytes. nullopt if the CSPRNG fails (then no challenge may be sent).
std::optional<Rand> random_rand();

// AUTN = (SQN xor AK) || AMF || MAC-A, XRES = f2, CK = f3, IK = f4. Fails for SQN > 48 bits.
Result<AuthVector> make_vector(const Milenage& m, const Rand& rand, uint64_t sqn, const Amf& amf);

// AUTS = (SQN_MS xor AK*) || MAC-S, MAC-S = f1*(SQN_MS, RAND, AMF = 0x0000) (TS 33.102
// 6.3.3: the AMF in resync is the dummy value zero).
Result<Auts> make_auts(const Milenage& m, const Rand& rand, uint64_t sqn_ms);

// Network side of resync: recovers SQN_MS from AUTS with f5* and checks MAC-S. An error means
// the AUTS was not made by this subscriber's USIM for this RAND: do not touch the SQN.
Result<uint64_t> recover_sqn_ms(const Milenage& m, const Rand& rand, const Auts& auts);

// The USIM's memory of accepted SEQ values (C.2): one highest SEQ per IND slot, plus the
// delta and age checks. Tests and the client tool use it to play the handset.
class SqnWindow {
 public:
  enum class Verdict { kFresh, kReplayed, kTooFarAhead, kTooOld };

  explicit SqnWindow(SqnScheme scheme = {});

  Verdict check(uint64_t sqn) const;
  // Records sqn as accepted (call only after check() said kFresh).
  void accept(uint64_t sqn);
  // SQN_MS: the highest accepted SQN (SEQ_MS with the IND it arrived in), what AUTS carries.
  uint64_t sqn_ms() const { return highest_; }
  const SqnScheme& scheme() const { return scheme_; }

 private:
  SqnScheme scheme_;
  std::vector<uint64_t> seq_;  // SEQ_MS(i), 2^ind_bits entries
  uint64_t highest_ = 0;
};

enum class AutnStatus {
  kOk,
  kMacFailure,    // the network did not authenticate: XMAC != MAC-A
  kSyncFailure,   // MAC right but SQN not fresh: answer with `auts`
  kAmfRejected,   // separation bit set where IMS needs it clear
  kInternalError, // OpenSSL failed
};

struct ClientAuthResult {
  AutnStatus status = AutnStatus::kInternalError;
  Res res{};   // valid for kOk
  Ck ck{};
  Ik ik{};
  Auts auts{}; // valid for kSyncFailure
  uint64_t sqn = 0;  // the SQN the network sent (valid unless kMacFailure)
  SqnWindow::Verdict sqn_verdict = SqnWindow::Verdict::kFresh;
};

// The USIM/ISIM procedure of TS 33.102 6.3.3: MAC check first ("network failed to
// authenticate"), then (if require_ims_amf) the separation bit, then SQN freshness; only an
// accepted SQN is recorded in the window.
ClientAuthResult client_authenticate(const Milenage& m, const Rand& rand, const Autn& autn, SqnWindow& window,
                                     bool require_ims_amf = false);

std::string_view autn_status_name(AutnStatus s);

}  // namespace imsguard::crypto
