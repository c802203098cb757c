#include "common/base64.h"

#include <array>

namespace imsguard {
namespace {

// The two alphabets differ only in the characters for 62 and 63.
struct Alphabet {
  char c62;
  char c63;
  bool padded;
};
constexpr Alphabet kStandard{'+', '/', true};
constexpr Alphabet kUrl{'-', '_', false};

char encode_sextet(uint32_t v, const Alphabet& a) {
  v &= 0x3f;
  if (v < 26) return static_cast<char>('A' + v);
  if (v < 52) return static_cast<char>('a' + (v - 26));
  if (v < 62) return static_cast<char>('0' + (v - 52));
  return v == 62 ? a.c62 : a.c63;
}

int decode_sextet(char c, const Alphabet& a) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == a.c62) return 62;
  if (c == a.c63) return 63;
  return -1;
}

void append(std::span<const uint8_t> bytes, const Alphabet& a, std::string& out) {
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = uint32_t{bytes[i]} << 16 | uint32_t{bytes[i + 1]} << 8 | bytes[i + 2];
    for (int s = 18; s >= 0; s -= 6) out.push_back(encode_sextet(v >> s, a));
  }
  size_t rest = bytes.size() - i;
  if (rest == 0) return;
  uint32_t v = uint32_t{bytes[i]} << 16 | (rest == 2 ? uint32_t{bytes[i + 1]} << 8 : 0);
  out.push_back(encode_sextet(v >> 18, a));
  out.push_back(encode_sextet(v >> 12, a));
  if (rest == 2) out.push_back(encode_sextet(v >> 6, a));
  if (a.padded) out.append(rest == 1 ? "==" : "=");
}

// Number of bytes `text` encodes, or nullopt when its length (and padding) cannot be
// canonical for this alphabet. `symbols` receives the length without padding.
std::optional<size_t> decoded_size(std::string_view text, const Alphabet& a, size_t& symbols) {
  symbols = text.size();
  if (a.padded) {
    if (text.size() % 4 != 0) return std::nullopt;
    if (!text.empty() && text.back() == '=') symbols -= text[text.size() - 2] == '=' ? 2 : 1;
  }
  if (symbols % 4 == 1) return std::nullopt;
  return symbols / 4 * 3 + (symbols % 4 == 0 ? 0 : symbols % 4 - 1);
}

// Decodes the first `symbols` characters into `out` (sized by decoded_size).
bool decode_into(std::string_view text, size_t symbols, const Alphabet& a, std::span<uint8_t> out) {
  uint32_t acc = 0;
  int bits = 0;
  size_t n = 0;
  for (size_t i = 0; i < symbols; ++i) {
    int d = decode_sextet(text[i], a);
    if (d < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = static_cast<uint8_t>(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  return n == out.size() && acc == 0;  // canonical: the unused low bits are zero
}

std::optional<std::vector<uint8_t>> decode(std::string_view text, const Alphabet& a) {
  size_t symbols = 0;
  auto size = decoded_size(text, a, symbols);
  if (!size) return std::nullopt;
  std::vector<uint8_t> out(*size);
  if (!decode_into(text, symbols, a, out)) return std::nullopt;
  return out;
}

}  // namespace

std::string base64_encode(std::span<const uint8_t> bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  append(bytes, kStandard, out);
  return out;
}

std::optional<std::vector<uint8_t>> base64_decode(std::string_view text) { return decode(text, kStandard); }

std::string base64url_encode(std::span<const uint8_t> bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  append(bytes, kUrl, out);
  return out;
}

std::optional<std::vector<uint8_t>> base64url_decode(std::string_view text) { return decode(text, kUrl); }

void base64url_append(std::span<const uint8_t> bytes, std::string& out) { append(bytes, kUrl, out); }

bool base64url_decode_exact(std::string_view text, std::span<uint8_t> out) {
  size_t symbols = 0;
  auto size = decoded_size(text, kUrl, symbols);
  return size && *size == out.size() && decode_into(text, symbols, kUrl, out);
}

}  // namespace imsguard
