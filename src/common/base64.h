#pragma once
// The project's one base64 codec (RFC 4648): the AKA nonce, AKAv2 password and AUTS
// (RFC 3310/4169), SDES inline keys (RFC 4568), and the unpadded URL-safe form of our own
// tokens (Digest nonces, flow tokens, topology seals, JWS). One grammar in one place, so the
// SIP, crypto and media layers cannot disagree on what a valid value is.
// Decoding is strict because these values arrive from the network: only canonical text is
// accepted (no whitespace, padding exactly where RFC 4648 puts it, unused trailing bits
// zero), so one value has exactly one spelling and two spellings of a nonce or key can
// never pass as different values.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace imsguard {

// Standard alphabet with '=' padding (RFC 4648 section 4).
std::string base64_encode(std::span<const uint8_t> bytes);
std::optional<std::vector<uint8_t>> base64_decode(std::string_view text);

// URL-safe alphabet ('-', '_'), no padding (RFC 4648 section 5).
std::string base64url_encode(std::span<const uint8_t> bytes);
std::optional<std::vector<uint8_t>> base64url_decode(std::string_view text);

// Allocation-free forms for fixed-size values on the hot path (the Digest nonce):
// appends the encoding to `out`; decodes into exactly `out.size()` bytes and returns false
// unless `text` is the canonical encoding of that many bytes.
void base64url_append(std::span<const uint8_t> bytes, std::string& out);
bool base64url_decode_exact(std::string_view text, std::span<uint8_t> out);

}  // namespace imsguard
