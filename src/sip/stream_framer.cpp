#include "sip/stream_framer.h"

#include <optional>

#include "sip/header_id.h"
#include "sip/lex.h"

namespace imsguard::sip {
namespace {

FrameResult error(int code, std::string_view reason) {
  FrameResult r;
  r.kind = FrameKind::kError;
  r.code = code;
  r.reason = reason;
  return r;
}

// Content-Length of a complete head (start line .. CRLFCRLF). Sets bad on an invalid or
// conflicting value.
std::optional<uint64_t> head_content_length(std::string_view head, bool& bad) {
  std::optional<uint64_t> length;
  size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos && pos + 2 < head.size()) {
    size_t start = pos + 2;
    size_t end = head.find("\r\n", start);
    if (end == std::string_view::npos) break;
    std::string_view line = head.substr(start, end - start);
    pos = end;
    if (line.empty() || is_wsp(line.front())) continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = trim_lws(line.substr(0, colon));
    if (!is_token(name) || lookup_header(name) != HeaderId::kContentLength) continue;
    auto v = parse_decimal(trim_lws(line.substr(colon + 1)), 0xffffffffULL);
    if (!v || (length && *length != *v)) {
      bad = true;
      return std::nullopt;
    }
    length = v;
  }
  return length;
}

}  // namespace

FrameResult StreamFramer::next(std::string_view buffered) {
  FrameResult r;
  if (buffered.empty()) return r;
  if (buffered.front() == '\r' || buffered.front() == '\n') {
    if (buffered.front() == '\n') return error(400, "Bare LF in stream");
    if (buffered.size() < 2) return r;
    if (buffered[1] != '\n') return error(400, "Bare CR in stream");
    if (buffered.size() < 3) return r;  // a ping in progress, or a lone CRLF: undecided
    if (buffered[2] != '\r') {
      r.kind = FrameKind::kKeepAlive;
      r.length = 2;
      return r;
    }
    if (buffered.size() < 4) return r;
    if (buffered[3] != '\n') return error(400, "Bare CR in stream");
    r.kind = FrameKind::kKeepAlive;
    r.length = 4;
    r.pong_needed = true;
    return r;
  }
  size_t from = scanned_ > 3 ? scanned_ - 3 : 0;
  size_t end = buffered.find("\r\n\r\n", from);
  if (end == std::string_view::npos) {
    scanned_ = buffered.size();
    if (buffered.size() > limits_.max_message_bytes) {
      scanned_ = 0;
      return error(513, "Message Too Large");
    }
    return r;
  }
  scanned_ = 0;
  size_t head_len = end + 4;
  bool bad = false;
  auto length = head_content_length(buffered.substr(0, head_len), bad);
  if (bad) return error(400, "Bad Content-Length");
  if (!length) return error(400, "Missing Content-Length");
  if (*length > limits_.max_message_bytes || head_len + *length > limits_.max_message_bytes) {
    return error(513, "Message Too Large");
  }
  size_t total = head_len + static_cast<size_t>(*length);
  if (buffered.size() < total) {
    // The head is complete; remember it so the search is not repeated.
    scanned_ = end;
    return r;
  }
  r.kind = FrameKind::kMessage;
  r.length = total;
  return r;
}

}  // namespace imsguard::sip
