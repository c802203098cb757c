#pragma once
// One reading of UTF-8 (Unicode 15, section 3.9, table 3-7) for every writer that puts bytes
// from the network into a log: the JSON event log and the text log's activity and trace
// lines. Each decides per sequence with this function, so a byte one writer keeps as text no
// other writer calls ill-formed, and the rules on overlongs, surrogates and code points above
// U+10FFFF are written once.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace imsguard {

struct Utf8Step {
  size_t length = 0;        // bytes this step covers (at least 1 when bytes remain)
  bool well_formed = false; // true: a whole sequence, code_point valid; false: one maximal
                            // ill-formed subpart, which a decoder replaces with one U+FFFD
  uint32_t code_point = 0;
};

// The sequence starting at s[at] (at < s.size()).
Utf8Step utf8_step(std::string_view s, size_t at);

}  // namespace imsguard
