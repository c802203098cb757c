#pragma once
// The edge's half of "SDES only over TLS": a=crypto lines carry SRTP master keys in clear
// text, so SDP that arrived (or will leave) over a non-TLS flow loses them before it is
// forwarded. Without its keys an RTP/SAVP offer can only be answered with DTLS-SRTP or
// refused (488), and a best-effort RTP/AVP offer falls back to RTP: never to SRTP with keys
// an eavesdropper on the plain hop has read.
#include <string>
#include <string_view>

namespace imsguard::media {

// `body` with every a=crypto attribute (session and media level) removed; `stripped` says
// whether any was. A body that does not parse as SDP is cleaned line by line instead, so
// a malformed body cannot smuggle a key through. Other lines are kept.
std::string strip_sdes_for_plain_flow(std::string_view body, bool& stripped);

}  // namespace imsguard::media
