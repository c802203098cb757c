#include "common/utf8.h"

namespace imsguard {

Utf8Step utf8_step(std::string_view s, size_t at) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char c = byte(at);
  if (c < 0x80) return {1, true, c};
  // The sequence's length, and the range of its second byte: the first continuation byte is
  // where overlongs (E0, F0), surrogates (ED) and code points above U+10FFFF (F4) are excluded.
  size_t length = 0;
  unsigned char low = 0x80, high = 0xbf;
  uint32_t cp = 0;
  if (c >= 0xc2 && c <= 0xdf) length = 2, cp = c & 0x1f;
  else if (c == 0xe0) length = 3, low = 0xa0, cp = c & 0x0f;
  else if (c == 0xed) length = 3, high = 0x9f, cp = c & 0x0f;
  else if (c >= 0xe1 && c <= 0xef) length = 3, cp = c & 0x0f;
  else if (c == 0xf0) length = 4, low = 0x90, cp = c & 0x07;
  else if (c >= 0xf1 && c <= 0xf3) length = 4, cp = c & 0x07;
  else if (c == 0xf4) length = 4, high = 0x8f, cp = c & 0x07;
  if (length == 0) return {1, false, 0};  // a continuation byte, C0, C1 or F5..FF
  size_t n = 1;  // bytes of the sequence seen well-formed so far
  while (n < length && at + n < s.size()) {
    unsigned char next = byte(at + n);
    if (next < (n == 1 ? low : 0x80) || next > (n == 1 ? high : 0xbf)) break;
    cp = (cp << 6) | (next & 0x3f);
    ++n;
  }
  if (n == length) return {n, true, cp};
  return {n, false, 0};
}

}  // namespace imsguard
