#pragma once
// Stateless responses (RFC 3261 8.2.6, 16.7): the edge answers refused requests itself,
// often for requests that failed to parse, so this must build something sane from
// whatever fields the request has.
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "sip/message.h"

namespace imsguard::sip {

using HeaderPair = std::pair<std::string_view, std::string_view>;

// Copies every Via (in order), From, To (adding ";tag=to_tag" when given, absent, and
// the code is above 100), Call-ID and CSeq; then the extra headers; then
// Content-Length: 0. Folded values are unfolded; CR/LF in reason or extras are replaced.
std::string make_response(const Message& request, int code, std::string_view reason,
                          std::span<const HeaderPair> extra = {}, std::string_view to_tag = {});

// The standard reason phrase for a status code ("Bad Request"); "Unknown" otherwise.
std::string_view default_reason(int code);

}  // namespace imsguard::sip
