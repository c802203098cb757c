#include "media/sdes_strip.h"

#include <strings.h>

#include "sip/sdp.h"

namespace imsguard::media {
namespace {

bool is_crypto_line(std::string_view line) {
  constexpr std::string_view kPrefix = "a=crypto";
  if (line.size() < kPrefix.size() || strncasecmp(line.data(), kPrefix.data(), kPrefix.size()) != 0) return false;
  return line.size() == kPrefix.size() || line[kPrefix.size()] == ':' || line[kPrefix.size()] == '\r';
}

std::string strip_lines(std::string_view body, bool& stripped) {
  std::string out;
  out.reserve(body.size());
  size_t pos = 0;
  while (pos < body.size()) {
    size_t nl = body.find('\n', pos);
    size_t end = nl == std::string_view::npos ? body.size() : nl + 1;
    std::string_view line = body.substr(pos, end - pos);
    // Leading whitespace would not make it a valid SDP line, but a lenient peer might.
    std::string_view trimmed = line;
    while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\t')) trimmed.remove_prefix(1);
    if (is_crypto_line(trimmed)) stripped = true;
    else out.append(line);
    pos = end;
  }
  return out;
}

}  // namespace

std::string strip_sdes_for_plain_flow(std::string_view body, bool& stripped) {
  stripped = false;
  auto parsed = sip::parse_sdp(body);
  if (!parsed) return strip_lines(body, stripped);
  sip::Sdp& sdp = *parsed.sdp;
  size_t removed = sdp.attributes.remove("crypto");
  for (auto& m : sdp.media) removed += m.attributes.remove("crypto");
  // Attribute names that differ only in case survive strict parsing as unknown attributes;
  // the line pass removes those too, since a lenient peer might honour them.
  if (removed == 0) return strip_lines(body, stripped);
  auto written = sip::write_sdp(sdp);
  if (!written) return strip_lines(body, stripped);
  std::string out = strip_lines(written.text, stripped);
  stripped = true;
  return out;
}

}  // namespace imsguard::media
