#pragma once
// Turns received bytes into a Message: framing (Content-Length, RFC 3261 18.3), the start
// line, and the header index. It checks syntax and limits only; what an element does with a
// well-formed message (missing fields, unknown methods, ...) is validation.h's job.
//
// On kReject, the Message holds whatever was indexed before the fault (start line and
// headers), so make_response() can still copy Via/From/To/Call-ID/CSeq into the answer.
#include <cstddef>
#include <string_view>

#include "sip/message.h"

namespace imsguard::sip {

// Bounds applied while parsing, so no input can make the parser allocate or scan without
// limit. The defaults follow common SIP stacks (64 KiB is the UDP maximum anyway).
struct Limits {
  size_t max_message_bytes = 65535;
  size_t max_headers = 128;       // header lines
  size_t max_header_bytes = 8192;  // one header line, folding included
  size_t max_via = 32;             // Via elements (not lines)
};

enum class ParseStatus {
  kOk,
  kReject,  // a request we must answer with `code` and `reason`
  kDrop,    // discard silently: a malformed response, or a keep-alive
};

struct ParseResult {
  ParseStatus status = ParseStatus::kOk;
  int code = 0;             // for kReject: 400, 505, 513
  std::string_view reason;  // static text: a reason phrase for kReject, a cause for kDrop
  size_t consumed = 0;      // bytes that formed the message; the rest of a datagram is discarded
};

// A UDP (or SCTP) datagram: one message; Content-Length frames the body when present,
// trailing octets are discarded; without Content-Length the body is the rest.
ParseResult parse_datagram(std::string_view bytes, const Limits& limits, Message& out);

// A message cut out of a stream by StreamFramer: Content-Length is mandatory.
ParseResult parse_stream_message(std::string_view frame, const Limits& limits, Message& out);

}  // namespace imsguard::sip
