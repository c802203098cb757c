#pragma once
// SDES keys (RFC 4568): the inline master key||salt a=crypto carries. Generation uses the
// OpenSSL DRBG; parsing refuses what this implementation cannot honour rather than
// half-honouring it (MKI, several keys, session parameters such as UNENCRYPTED_SRTP, a
// lifetime so short it would need re-keying), each with a reason an operator can act on.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "media/srtp_suite.h"
#include "sip/sdp.h"

namespace imsguard::media {

struct SdesKey {
  SrtpSuite suite = SrtpSuite::kAesCm128HmacSha1_80;
  uint32_t tag = 1;
  std::vector<uint8_t> key_salt;  // master key || master salt
};

// Lifetimes below this many packets are refused: keys are never re-keyed mid-call here.
inline constexpr uint64_t kMinSdesLifetime = uint64_t{1} << 20;

// A fresh random key for `suite`; nullopt only if the DRBG fails.
std::optional<SdesKey> generate_sdes_key(SrtpSuite suite, uint32_t tag);

// The a=crypto value for a key: "<tag> <suite> inline:<base64>" (no lifetime, no MKI).
sip::SdpCrypto to_sdp_crypto(const SdesKey& key);

// Validates one parsed a=crypto: a suite we know, exactly one inline key of the suite's
// length, no MKI, no session parameters, lifetime absent or >= kMinSdesLifetime. kInvalid
// with why the line is unusable (the offer/answer policy puts it in its refusal).
StatusOr<SdesKey> parse_sdes(const sip::SdpCrypto& crypto);

}  // namespace imsguard::media
