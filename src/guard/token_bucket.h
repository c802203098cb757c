#pragma once
// A token bucket in integer milli-tokens: `rate` per second, at most `burst` saved up.
#include <algorithm>
#include <cstdint>

namespace imsguard::guard {

struct TokenBucket {
  int64_t milli_tokens = -1;  // -1: never used (starts full)
  int64_t last_ms = 0;

  bool take(int64_t now_ms, uint32_t rate, uint32_t burst) {
    const int64_t cap = static_cast<int64_t>(burst) * 1000;
    if (milli_tokens < 0) {
      milli_tokens = cap;
    } else if (now_ms > last_ms) {
      milli_tokens = std::min(cap, milli_tokens + (now_ms - last_ms) * static_cast<int64_t>(rate));
    }
    last_ms = std::max(last_ms, now_ms);
    if (milli_tokens < 1000) return false;
    milli_tokens -= 1000;
    return true;
  }
};

}  // namespace imsguard::guard
