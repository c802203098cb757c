#pragma once
// Bytes from the network made safe for one line of the text log (the operator's activity
// lines, the SIP trace). One function, so every text-log writer escapes alike: a peer that
// sends CR LF cannot start a forged log line, an escape sequence cannot drive the operator's
// terminal, and the line is valid UTF-8 for whatever collects the log.
#include <cstddef>
#include <string>
#include <string_view>

namespace imsguard {

// Printable ASCII and well-formed UTF-8 text are kept; CR, LF and TAB are written as \r \n
// \t; other control characters and ill-formed bytes as \xNN (one per byte); C1 controls and
// the Unicode bidirectional controls (U+202A..U+202E, U+2066..U+2069), which can reorder
// what a reader sees, as \u{XXXX}. Output stops once it reaches `max` bytes, with "..." after.
std::string log_safe(std::string_view bytes, size_t max);

}  // namespace imsguard
