#pragma once
// The RFC 3711 section 4.3 key derivation and the AES-CM keystream it runs on, written out
// independently of libsrtp. libsrtp keeps its session keys private, so this is how the
// project checks (known answers, and packets cross-computed against libsrtp's output)
// that the master keys it hands libsrtp turn into the session keys the RFC says.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace imsguard::media {

// SRTP/SRTCP key derivation labels (RFC 3711 4.3.1, 4.3.2).
enum class KdfLabel : uint8_t {
  kRtpEncryption = 0, kRtpAuth = 1, kRtpSalt = 2,
  kRtcpEncryption = 3, kRtcpAuth = 4, kRtcpSalt = 5,
};

// AES-128 in counter mode: `blocks` 16-byte blocks starting at IV + first_block.
// nullopt for a key that is not 16 bytes or an IV that is not 16 bytes.
std::optional<std::vector<uint8_t>> aes_cm_keystream(std::span<const uint8_t> key, std::span<const uint8_t> iv,
                                                     uint64_t first_block, size_t blocks);

// The session key of `label` (out_len bytes), key derivation rate 0 (index DIV kdr = 0).
// master_key 16 bytes, master_salt 14 bytes (the AES-CM suites).
std::optional<std::vector<uint8_t>> derive_session_key(std::span<const uint8_t> master_key,
                                                       std::span<const uint8_t> master_salt, KdfLabel label,
                                                       size_t out_len);

}  // namespace imsguard::media
