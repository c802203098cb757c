#pragma once
// HTTP Digest AKA (RFC 3310 AKAv1-MD5, RFC 4169 AKAv2-MD5): how an AKA vector travels inside
// a Digest challenge (the nonce carries RAND || AUTN) and what the "password" of the Digest
// exchange is (derived from RES, so only a holder of K can answer). The response itself is
// ordinary MD5 Digest from digest.h.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/aka.h"
#include "crypto/digest.h"
#include "crypto/result.h"

namespace imsguard::crypto {

// nonce = base64(RAND || AUTN || server_data) (RFC 3310 3.2).
std::string make_aka_nonce(const Rand& rand, const Autn& autn, std::span<const uint8_t> server_data = {});

struct AkaNonce {
  Rand rand{};
  Autn autn{};
  std::vector<uint8_t> server_data;
};
// Strict base64; error when shorter than 32 bytes decoded.
Result<AkaNonce> split_aka_nonce(std::string_view nonce);

// AKAv1: the password is the raw RES octets (not their hex), returned as a byte string.
std::string akav1_password(std::span<const uint8_t> res);
// AKAv2: password = base64(HMAC-MD5(key = RES || IK || CK, "http-digest-akav2-password"))
// (RFC 4169 section 3, PRF = HMAC-MD5 for AKAv2-MD5). nullopt only if OpenSSL fails.
std::optional<std::string> akav2_password(std::span<const uint8_t> res, const Ik& ik, const Ck& ck);

// HA1 for an AKA exchange, ready for DigestInput::ha1: MD5(username ":" realm ":" password)
// with the password of the given version. nullopt for a non-AKA algorithm or OpenSSL failure.
std::optional<std::string> aka_ha1(DigestAka version, std::string_view username, std::string_view realm,
                                   std::span<const uint8_t> res, const Ik& ik, const Ck& ck);

// The AUTS parameter is base64 of the 14 AUTS octets (RFC 3310 3.4).
std::string encode_auts(const Auts& auts);
Result<Auts> decode_auts(std::string_view auts_param);

}  // namespace imsguard::crypto
