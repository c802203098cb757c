#include "common/log_text.h"

#include "common/utf8.h"

#include <algorithm>
#include <cstdio>

namespace imsguard {

namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_byte_escape(std::string& out, unsigned char c) {
  out += "\\x";
  out.push_back(kHex[c >> 4]);
  out.push_back(kHex[c & 15]);
}

bool reorders_or_controls(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

}  // namespace

std::string log_safe(std::string_view bytes, size_t max) {
  std::string out;
  out.reserve(std::min(bytes.size(), max) + 8);
  size_t i = 0;
  while (i < bytes.size()) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    auto c = static_cast<unsigned char>(bytes[i]);
    if (c < 0x80) {
      if (c == '\r') out += "\\r";
      else if (c == '\n') out += "\\n";
      else if (c == '\t') out += "\\t";
      else if (c < 0x20 || c == 0x7f) append_byte_escape(out, c);
      else out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    Utf8Step step = utf8_step(bytes, i);
    if (!step.well_formed) {
      for (size_t k = 0; k < step.length; ++k) append_byte_escape(out, static_cast<unsigned char>(bytes[i + k]));
    } else if (reorders_or_controls(step.code_point)) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "\\u{%04x}", static_cast<unsigned>(step.code_point));
      out += buf;
    } else {
      out.append(bytes.substr(i, step.length));
    }
    i += step.length;
  }
  return out;
}

}  // namespace imsguard
