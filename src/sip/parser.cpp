#include "sip/parser.h"

#include <cstring>

#include "sip/lex.h"
#include "sip/uri.h"

namespace imsguard::sip {

// Fills a Message through its private members; one instance per parse call.
class MessageParser {
 public:
  MessageParser(std::string_view bytes, const Limits& limits, Message& out, bool stream)
      : s_(bytes), limits_(limits), out_(out), stream_(stream) {}

  ParseResult run();

 private:
  static constexpr size_t npos = std::string_view::npos;

  // Records the first fault; later ones do not override it.
  void fault(int code, std::string_view reason) {
    if (code_ == 0) {
      code_ = code;
      reason_ = reason;
    }
  }
  // End of the line starting at pos (the index of its CR); npos when the buffer ends
  // first. A bare CR or LF is a fault.
  size_t line_end(size_t pos, bool& bad) const;
  void parse_request_line(std::string_view line);
  void parse_status_line(std::string_view line);
  // Indexes header lines from pos; returns the offset just past the empty line (or the
  // end of the buffer when the datagram ends without one).
  size_t parse_headers(size_t pos);
  void finish_field(HeaderField& f);
  void frame_body(size_t body_start);
  // Cheap upper bound on the Via element count (lines + commas), so the exact
  // quote-aware split only runs when the limit could be crossed.
  bool via_elements_may_exceed() const;

  std::string_view s_;
  const Limits& limits_;
  Message& out_;
  bool stream_;
  bool response_ = false;
  int code_ = 0;
  std::string_view reason_;
  size_t consumed_ = 0;
};

size_t MessageParser::line_end(size_t pos, bool& bad) const {
  // memchr is vectorised; the line ends at the first CR, which must be followed by LF,
  // and no LF may come before it.
  if (pos >= s_.size()) return npos;
  const char* base = s_.data();
  size_t n = s_.size() - pos;
  const void* cr = std::memchr(base + pos, '\r', n);
  size_t limit = cr ? static_cast<size_t>(static_cast<const char*>(cr) - (base + pos)) : n;
  if (std::memchr(base + pos, '\n', limit) != nullptr) {
    bad = true;
    return npos;
  }
  if (!cr) return npos;
  size_t i = pos + limit;
  if (i + 1 < s_.size() && base[i + 1] == '\n') return i;
  if (i + 1 < s_.size()) bad = true;
  return npos;
}

void MessageParser::parse_request_line(std::string_view line) {
  out_.is_request_ = true;
  size_t sp1 = line.find(' ');
  size_t sp2 = line.rfind(' ');
  if (sp1 == npos || sp1 == sp2) {
    fault(400, "Malformed Request-Line");
    return;
  }
  std::string_view method = line.substr(0, sp1);
  std::string_view uri = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  out_.method_name_ = method;
  out_.method_ = parse_method(method);
  out_.request_uri_ = uri;
  out_.version_ = version;
  if (!is_token(method)) {
    fault(400, "Malformed Request-Line: bad method");
    return;
  }
  for (char c : line) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      fault(400, "Malformed Request-Line: control character");
      return;
    }
  }
  if (uri.empty() || uri.find_first_of(" \t") != npos) {
    fault(400, "Malformed Request-Line: extra whitespace");
    return;
  }
  if (version.size() == 7 && iequals(version, "SIP/2.0")) {
    // supported
  } else if (version.size() > 4 && iequals(version.substr(0, 4), "SIP/")) {
    fault(505, "Version Not Supported");
    return;
  } else {
    fault(400, "Malformed Request-Line: bad SIP-Version");
    return;
  }
  if (uri.front() == '<') {
    fault(400, "Request-URI must not be enclosed in <>");
    return;
  }
  if (!parse_uri(uri)) fault(400, "Malformed Request-URI");
}

void MessageParser::parse_status_line(std::string_view line) {
  out_.is_request_ = false;
  response_ = true;
  size_t sp1 = line.find(' ');
  if (sp1 == npos) {
    fault(400, "malformed Status-Line");
    return;
  }
  out_.version_ = line.substr(0, sp1);
  if (!iequals(out_.version_, "SIP/2.0")) {
    fault(505, "unsupported SIP version in response");
    return;
  }
  std::string_view rest = line.substr(sp1 + 1);
  if (rest.size() < 3 || !is_digit(rest[0]) || !is_digit(rest[1]) || !is_digit(rest[2]) ||
      (rest.size() > 3 && rest[3] != ' ')) {
    fault(400, "bad status code");
    return;
  }
  int code = (rest[0] - '0') * 100 + (rest[1] - '0') * 10 + (rest[2] - '0');
  if (code < 100 || code > 699) {
    fault(400, "status code out of range");
    return;
  }
  out_.status_code_ = code;
  out_.reason_ = rest.size() > 4 ? rest.substr(4) : std::string_view{};
  for (char c : out_.reason_) {
    unsigned char u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) {
      fault(400, "control character in reason phrase");
      return;
    }
  }
}

void MessageParser::finish_field(HeaderField& f) {
  // value/raw were extended line by line; trim the value's LWS (including fold CRLFs).
  f.value = trim_lws(f.value);
  if (f.raw.size() > limits_.max_header_bytes) fault(400, "Header Field Too Long");
}

size_t MessageParser::parse_headers(size_t pos) {
  const size_t max_headers = limits_.max_headers < 60000 ? limits_.max_headers : 60000;
  HeaderField current;
  bool have_current = false;
  auto flush = [&]() {
    if (!have_current) return;
    finish_field(current);
    if (out_.size_ >= max_headers) {
      fault(400, "Too Many Header Fields");
    } else {
      out_.add_field(current);
    }
    have_current = false;
  };
  while (true) {
    bool bad = false;
    size_t eol = line_end(pos, bad);
    if (bad) {
      flush();
      fault(400, "Bare CR or LF in header section");
      return s_.size();
    }
    if (eol == npos) {
      flush();
      if (pos < s_.size()) {
        fault(400, "Truncated header section");
      } else if (stream_) {
        fault(400, "Missing empty line after header section");
      }
      // A datagram that ends after a complete header line: its boundary ends the headers.
      return s_.size();
    }
    std::string_view line = s_.substr(pos, eol - pos);
    size_t next = eol + 2;
    if (line.empty()) {
      flush();
      return next;
    }
    if (is_wsp(line.front())) {
      if (!have_current) {
        fault(400, "Continuation line without a header field");
      } else {
        // Folding: the field now extends over this line.
        const char* start = current.raw.data();
        current.raw = std::string_view(start, static_cast<size_t>(s_.data() + eol - start));
        const char* vstart = current.value.data();
        current.value = std::string_view(vstart, static_cast<size_t>(s_.data() + eol - vstart));
        if (current.raw.size() > limits_.max_header_bytes) {
          fault(400, "Header Field Too Long");
        }
      }
      pos = next;
      continue;
    }
    flush();
    size_t i = 0;
    while (i < line.size() && is_token_char(line[i])) ++i;
    size_t name_end = i;
    while (i < line.size() && is_wsp(line[i])) ++i;
    if (name_end == 0 || i >= line.size() || line[i] != ':') {
      fault(400, "Malformed Header Field");
      pos = next;
      continue;
    }
    current.name = line.substr(0, name_end);
    current.id = lookup_header(current.name);
    current.value = line.substr(i + 1);
    current.raw = line;
    have_current = true;
    if (out_.size_ >= max_headers) {
      // Stop indexing: the count is already over the limit.
      fault(400, "Too Many Header Fields");
      have_current = false;
    }
    pos = next;
  }
}

void MessageParser::frame_body(size_t body_start) {
  std::string_view rest = s_.substr(body_start);
  std::optional<uint64_t> length;
  bool bad = false;
  const HeaderField* fields = out_.fields();
  for (size_t i = 0; i < out_.size_; ++i) {
    if (fields[i].id != HeaderId::kContentLength) continue;
    auto v = parse_decimal(fields[i].value, 0xffffffffULL);
    if (!v) {
      bad = true;
      fault(400, "Bad Content-Length");
    } else if (length && *length != *v) {
      bad = true;
      fault(400, "Conflicting Content-Length values");
    } else {
      length = v;
    }
  }
  if (bad) length.reset();
  if (length) {
    out_.content_length_ = static_cast<size_t>(*length);
    if (*length > rest.size()) {
      fault(400, "Content-Length larger than the message");
      out_.body_ = rest;
      consumed_ = s_.size();
      return;
    }
    out_.body_ = rest.substr(0, static_cast<size_t>(*length));
  } else {
    if (stream_ && !bad) fault(400, "Missing Content-Length");
    out_.body_ = rest;
  }
  consumed_ = body_start + out_.body_.size();
}

bool MessageParser::via_elements_may_exceed() const {
  size_t lines = out_.count(HeaderId::kVia);
  if (lines == 0) return false;
  size_t bound = lines;
  const HeaderField* fields = out_.fields();
  for (size_t i = 0; i < out_.size_ && bound <= limits_.max_via; ++i) {
    if (fields[i].id != HeaderId::kVia) continue;
    std::string_view v = fields[i].value;
    const char* p = v.data();
    const char* end = p + v.size();
    while (p < end && bound <= limits_.max_via) {
      const void* comma = std::memchr(p, ',', static_cast<size_t>(end - p));
      if (!comma) break;
      ++bound;
      p = static_cast<const char*>(comma) + 1;
    }
  }
  return bound > limits_.max_via;
}

ParseResult MessageParser::run() {
  out_.clear();
  size_t pos = 0;
  // RFC 3261 7.5: CRLFs before the start line are ignored (keep-alives, stray bytes).
  while (pos + 1 < s_.size() && s_[pos] == '\r' && s_[pos + 1] == '\n') pos += 2;
  if (pos >= s_.size()) {
    return ParseResult{ParseStatus::kDrop, 0, "empty or keep-alive", s_.size()};
  }
  response_ = s_.size() - pos >= 4 && iequals(s_.substr(pos, 4), "SIP/");
  if (s_.size() > limits_.max_message_bytes) fault(513, "Message Too Large");

  bool bad = false;
  size_t eol = line_end(pos, bad);
  if (eol == npos) {
    fault(400, bad ? "Bare CR or LF in start line" : "Missing CRLF after start line");
    consumed_ = s_.size();
  } else {
    std::string_view line = s_.substr(pos, eol - pos);
    out_.start_line_ = line;
    if (response_) {
      parse_status_line(line);
    } else {
      parse_request_line(line);
    }
    size_t body_start = parse_headers(eol + 2);
    out_.head_ = s_.substr(pos, body_start - pos);
    frame_body(body_start);
    if (via_elements_may_exceed() && out_.count_values(HeaderId::kVia) > limits_.max_via) {
      fault(400, "Too Many Via Header Field Values");
    }
  }
  out_.raw_ = s_.substr(pos, consumed_ > pos ? consumed_ - pos : 0);
  ParseResult r;
  r.consumed = consumed_;
  if (code_ == 0) {
    r.status = ParseStatus::kOk;
    return r;
  }
  r.status = response_ ? ParseStatus::kDrop : ParseStatus::kReject;
  r.code = code_;
  r.reason = reason_;
  return r;
}

ParseResult parse_datagram(std::string_view bytes, const Limits& limits, Message& out) {
  return MessageParser(bytes, limits, out, false).run();
}

ParseResult parse_stream_message(std::string_view frame, const Limits& limits, Message& out) {
  return MessageParser(frame, limits, out, true).run();
}

}  // namespace imsguard::sip
