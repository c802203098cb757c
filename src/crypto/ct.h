#pragma once
// Constant-time equality for secrets (digest responses, MACs, RES). A plain memcmp or ==
// returns at the first differing byte, which leaks through timing how much of a guess was
// right; every secret comparison in imsguard goes through here instead.
#include <cstdint>
#include <span>
#include <string_view>

namespace imsguard::crypto {

// True when a and b have the same length and the same bytes. The time taken depends only on
// the lengths (which are public: fixed by the algorithm), never on the contents.
bool constant_time_equal(std::span<const uint8_t> a, std::span<const uint8_t> b);
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace imsguard::crypto
