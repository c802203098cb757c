#include "media/multipart.h"

#include <strings.h>

namespace imsguard::media {
namespace {

bool valid_boundary(std::string_view b) {
  // RFC 2046 5.1.1: 1 to 70 bchars, not ending with a space.
  if (b.empty() || b.size() > 70 || b.back() == ' ') return false;
  for (char c : b) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// The end of the line break at `i` (CRLF or LF), or npos when there is none at `i`.
size_t line_break_end(std::string_view s, size_t i) {
  if (i < s.size() && s[i] == '\n') return i + 1;
  if (i + 1 < s.size() && s[i] == '\r' && s[i + 1] == '\n') return i + 2;
  return std::string_view::npos;
}

struct Delimiter {
  size_t start = std::string_view::npos;  // the line break before "--" (or the "--" at offset 0)
  size_t after = 0;                       // just past the boundary
};

// The next "--boundary" at the start of a line, at or after `from`, followed by "--",
// transport padding or a line break (so "--boundaryX" in content is not one).
Delimiter next_delimiter(std::string_view body, std::string_view dash, size_t from) {
  for (size_t pos = from; pos < body.size();) {
    size_t hit = body.find(dash, pos);
    if (hit == std::string_view::npos) return {};
    bool line_start = hit == 0 || body[hit - 1] == '\n';
    size_t after = hit + dash.size();
    bool ends = after == body.size() || body[after] == '-' || body[after] == ' ' || body[after] == '\t' ||
                body[after] == '\r' || body[after] == '\n';
    if (line_start && ends) {
      size_t start = hit;
      if (hit > 0) start = hit >= 2 && body[hit - 2] == '\r' ? hit - 2 : hit - 1;
      return {start, after};
    }
    pos = hit + 1;
  }
  return {};
}

}  // namespace

std::string BodyPart::header(std::string_view name) const {
  std::string value;
  bool in = false;
  size_t pos = 0;
  while (pos < headers.size()) {
    size_t nl = headers.find('\n', pos);
    size_t end = nl == std::string_view::npos ? headers.size() : nl;
    std::string_view line = headers.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = end + 1;
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      if (in) {
        size_t first = line.find_first_not_of(" \t");
        if (first != std::string_view::npos) value += (value.empty() ? "" : " ") + std::string(line.substr(first));
      }
      continue;
    }
    if (in) break;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view n = line.substr(0, colon);
    while (!n.empty() && (n.back() == ' ' || n.back() == '\t')) n.remove_suffix(1);
    if (n.size() != name.size() || strncasecmp(n.data(), name.data(), n.size()) != 0) continue;
    in = true;
    std::string_view v = line.substr(colon + 1);
    size_t first = v.find_first_not_of(" \t");
    value = first == std::string_view::npos ? std::string() : std::string(v.substr(first));
  }
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
  return value;
}

MultipartSplit split_multipart(std::string_view body, std::string_view boundary) {
  MultipartSplit out;
  if (!valid_boundary(boundary)) {
    out.error = "multipart boundary missing or invalid";
    return out;
  }
  std::string dash = "--" + std::string(boundary);
  Delimiter d = next_delimiter(body, dash, 0);
  if (d.start == std::string_view::npos) {
    out.error = "multipart body without its boundary";
    return out;
  }
  for (;;) {
    size_t i = d.after;
    if (body.substr(i, 2) == "--") {
      if (out.parts.empty()) out.error = "multipart body without a part";
      return out;  // close delimiter: the rest is epilogue
    }
    while (i < body.size() && (body[i] == ' ' || body[i] == '\t')) ++i;  // transport padding
    size_t part_start = line_break_end(body, i);
    if (part_start == std::string_view::npos) {
      out.error = "multipart delimiter not followed by a line break";
      return out;
    }
    Delimiter next = next_delimiter(body, dash, part_start);
    if (next.start == std::string_view::npos) {
      out.error = "multipart body without its close delimiter";
      return out;
    }
    std::string_view part = body.substr(part_start, next.start - part_start);
    BodyPart p;
    if (size_t first = line_break_end(part, 0); first != std::string_view::npos) {
      p.content = part.substr(first);  // no headers: the part starts with its blank line
    } else {
      size_t blank = part.find("\n\r\n");
      size_t skip = 3;
      if (size_t lf = part.find("\n\n"); lf != std::string_view::npos && (blank == std::string_view::npos || lf < blank)) {
        blank = lf;
        skip = 2;
      }
      if (blank == std::string_view::npos) {
        p.headers = part;  // headers only, no content
      } else {
        p.headers = part.substr(0, blank + 1);
        p.content = part.substr(blank + skip);
      }
    }
    out.parts.push_back(p);
    d = next;
  }
}

}  // namespace imsguard::media
