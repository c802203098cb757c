#include "media/sdes_strip.h"

#include <strings.h>

#include "media/media_type.h"
#include "media/multipart.h"
#include "sip/message.h"
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

bool ieq(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r')) v.remove_suffix(1);
  return v;
}

// A transfer encoding under which the lines of SDP are still lines (RFC 2045 6.2).
bool identity_encoding(std::string_view e) {
  e = trim(e);
  return e.empty() || ieq(e, "7bit") || ieq(e, "8bit") || ieq(e, "binary") || ieq(e, "identity");
}

constexpr int kMaxMultipartDepth = 4;

// "" when every part of a multipart body that might hold SDP can be read line by line.
std::string check_multipart(std::string_view body, const MediaType& type, int depth) {
  if (depth > kMaxMultipartDepth) return "multipart nested too deep";
  const std::string* boundary = type.parameter("boundary");
  if (!boundary) return "multipart body without a boundary parameter";
  auto split = split_multipart(body, *boundary);
  if (!split.error.empty()) return split.error;
  for (const auto& part : split.parts) {
    std::string ct = part.header("content-type");
    // RFC 2046 5.1: a part without Content-Type is text/plain.
    auto part_type = ct.empty() ? parse_media_type("text/plain") : parse_media_type(ct);
    if (!part_type) return "a part's Content-Type does not parse: " + ct;
    bool sdp = part_type->is("application", "sdp");
    bool nested = part_type->type == "multipart";
    if ((sdp || nested) && !identity_encoding(part.header("content-transfer-encoding")))
      return "an SDP part under Content-Transfer-Encoding " + part.header("content-transfer-encoding");
    if (nested) {
      if (auto err = check_multipart(part.content, *part_type, depth + 1); !err.empty()) return err;
    }
  }
  return {};
}

}  // namespace

std::string strip_sdes_for_plain_flow(std::string_view body, bool& stripped) {
  stripped = false;
  auto parsed = sip::parse_sdp(body);
  if (!parsed) return strip_lines(body, stripped);
  sip::Sdp& sdp = *parsed;
  size_t removed = sdp.attributes.remove("crypto");
  for (auto& m : sdp.media) removed += m.attributes.remove("crypto");
  // Attribute names that differ only in case survive strict parsing as unknown attributes;
  // the line pass removes those too, since a lenient peer might honour them.
  if (removed == 0) return strip_lines(body, stripped);
  auto written = sip::write_sdp(sdp);
  if (!written) return strip_lines(body, stripped);
  std::string out = strip_lines(*written, stripped);
  stripped = true;
  return out;
}

SdesStripResult strip_sdes_from_body(std::string_view content_type, std::string_view content_encoding,
                                     std::string_view body) {
  SdesStripResult r;
  if (body.empty()) return r;
  auto refuse = [&](int code, std::string why) {
    r.verdict = SdesVerdict::kRefused;
    r.code = code;
    r.reason = std::move(why);
    return r;
  };
  if (trim(content_type).empty()) return refuse(400, "a body without Content-Type might be SDP");
  auto type = parse_media_type(content_type);
  if (!type) return refuse(400, "Content-Type does not parse: " + std::string(content_type));
  bool sdp = type->is("application", "sdp");
  bool multipart = type->type == "multipart";
  if (!sdp && !multipart) return r;
  if (!identity_encoding(content_encoding))
    return refuse(415, "an SDP body under Content-Encoding " + std::string(trim(content_encoding)));
  bool stripped = false;
  if (sdp) {
    r.body = strip_sdes_for_plain_flow(body, stripped);
  } else {
    if (auto err = check_multipart(body, *type, 1); !err.empty()) return refuse(400, err);
    // Every a=crypto line of every part, however a receiver splits the body: a boundary line
    // never starts with "a=", so the structure checked above survives.
    r.body = strip_lines(body, stripped);
  }
  if (!stripped) {
    r.body.clear();
    return r;
  }
  r.verdict = SdesVerdict::kStripped;
  r.content_type = std::string(trim(content_type));
  r.reason = sdp ? "application/sdp" : type->type + "/" + type->subtype;
  return r;
}

SdesStripResult strip_sdes_from_message(const sip::Message& msg) {
  if (!msg.body().empty() && (msg.count(sip::HeaderId::kContentType) > 1 || msg.count(sip::HeaderId::kContentEncoding) > 1)) {
    // Which one a receiver reads is its choice: no reading of ours can be trusted.
    SdesStripResult r;
    r.verdict = SdesVerdict::kRefused;
    r.code = 400;
    r.reason = "more than one Content-Type or Content-Encoding";
    return r;
  }
  const sip::HeaderField* ct = msg.find(sip::HeaderId::kContentType);
  const sip::HeaderField* ce = msg.find(sip::HeaderId::kContentEncoding);
  return strip_sdes_from_body(ct ? ct->value : std::string_view{}, ce ? ce->value : std::string_view{}, msg.body());
}

}  // namespace imsguard::media
