#pragma once
// Base64 for the AKA nonce (RFC 3310), the AKAv2 password (RFC 4169) and AUTS, and the
// unpadded URL-safe form for the stateless Digest nonces. Decoding is strict because these
// values arrive from the network: a lenient decoder would let two spellings of one nonce
// pass as different nonces.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace imsguard::crypto {

// Standard alphabet with '=' padding (RFC 4648 section 4).
std::string base64_encode(std::span<const uint8_t> bytes);
// nullopt unless `text` is canonical padded base64: length a multiple of 4, only alphabet
// characters, padding only at the end, no whitespace, unused trailing bits zero.
std::optional<std::vector<uint8_t>> base64_decode(std::string_view text);

// URL-safe alphabet ('-', '_'), no padding (RFC 4648 section 5): the form of our nonces,
// which need no quoting trouble in any header.
std::string base64url_encode(std::span<const uint8_t> bytes);
// Strict like base64_decode (canonical, unpadded).
std::optional<std::vector<uint8_t>> base64url_decode(std::string_view text);

}  // namespace imsguard::crypto
