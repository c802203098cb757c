#pragma once
// The edge's half of "SDES only over TLS": a=crypto lines carry SRTP master keys in clear
// text, so SDP that arrived (or will leave) over a non-TLS flow loses them before it is
// forwarded. Without its keys an RTP/SAVP offer can only be answered with DTLS-SRTP or
// refused (488), and a best-effort RTP/AVP offer falls back to RTP: never to SRTP with keys
// an eavesdropper on the plain hop has read.
#include <string>
#include <string_view>

namespace imsguard::sip {
class Message;
}

namespace imsguard::media {

// `body` with every a=crypto attribute (session and media level) removed; `stripped` says
// whether any was. A body that does not parse as SDP is cleaned line by line instead, so
// a malformed body cannot smuggle a key through. Other lines are kept.
std::string strip_sdes_for_plain_flow(std::string_view body, bool& stripped);

enum class SdesVerdict {
  kUnchanged,  // no SDP that could carry keys, or SDP without a=crypto
  kStripped,   // `body` is the body to forward, without its a=crypto lines
  kRefused,    // might hold SDP but cannot be read (bad media type, boundary, encoding): do not forward it
};

struct SdesStripResult {
  SdesVerdict verdict = SdesVerdict::kUnchanged;
  std::string body;          // kStripped: the new body
  std::string content_type;  // kStripped: the Content-Type to send with it (the original value)
  std::string reason;        // kRefused: why; kStripped: which part
  int code = 0;              // kRefused: 415 (encoded body) or 400 (malformed), for a request refused outright
};

// The whole decision for a message body that will cross (or crossed) a hop without TLS.
// `content_type` is the full header value (parameters included), `content_encoding` the
// Content-Encoding value ("" when absent). Media types compare case-insensitively with
// parameters ignored (RFC 2045, RFC 7231); application/sdp is stripped as above; multipart
// bodies (RFC 2046, any subtype, nested up to 4 deep) are split on their boundary and every
// a=crypto line in them removed; a body without a Content-Type, with one that does not
// parse, an SDP or multipart body under a Content-Encoding or Content-Transfer-Encoding
// that hides its lines, or a multipart body that does not split, is refused. Other types
// (text/plain, pidf+xml ...) are left alone: no user agent keys SRTP from them.
SdesStripResult strip_sdes_from_body(std::string_view content_type, std::string_view content_encoding,
                                     std::string_view body);
// The same for a parsed message (its Content-Type and Content-Encoding headers and body).
SdesStripResult strip_sdes_from_message(const sip::Message& msg);

}  // namespace imsguard::media
