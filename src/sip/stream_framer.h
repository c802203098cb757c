#pragma once
// Cuts SIP messages out of a byte stream (TCP/TLS, RFC 3261 18.3): a message ends after
// its empty line plus Content-Length octets. Also recognises RFC 5626 keep-alives (a
// CRLFCRLF "ping" that needs a CRLF "pong", or a lone CRLF). A framing error is fatal for
// the connection: the stream can no longer be resynchronised, so the caller closes it.
//
// Usage: keep the unconsumed bytes of the connection in a buffer; call next(buffer) after
// every read; on kMessage hand buffer[0, length) to parse_stream_message() and erase it;
// on kKeepAlive erase length bytes (and send "\r\n" when pong_needed); on kNeedMore read
// more. The framer remembers how far it has scanned, so a message arriving in many small
// reads costs linear time; the buffer must keep its prefix between kNeedMore calls.
#include <cstddef>
#include <string_view>

#include "sip/parser.h"

namespace imsguard::sip {

enum class FrameKind { kNeedMore, kMessage, kKeepAlive, kError };

struct FrameResult {
  FrameKind kind = FrameKind::kNeedMore;
  size_t length = 0;         // kMessage, kKeepAlive: bytes to take from the buffer
  bool pong_needed = false;  // kKeepAlive: answer with "\r\n" (RFC 5626 4.4.1)
  int code = 0;              // kError: 400 or 513
  std::string_view reason;   // kError
};

class StreamFramer {
 public:
  explicit StreamFramer(const Limits& limits = Limits{}) : limits_(limits) {}

  FrameResult next(std::string_view buffered);
  // Forget the scan position (e.g. when the connection is reset).
  void reset() { scanned_ = 0; }

 private:
  Limits limits_;
  size_t scanned_ = 0;  // bytes of the current message already searched for CRLFCRLF
};

}  // namespace imsguard::sip
