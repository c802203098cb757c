#pragma once
// The guards' time: monotonic milliseconds (ban TTLs, windows, buckets, lockouts). It is a
// dependency handed to the chain by the composition root, not a process-wide function, so a
// test drives lockouts and windows with a fake clock instead of sleeping.
#include <cstdint>
#include <functional>

namespace imsguard::guard {

using Clock = std::function<int64_t()>;

// std::chrono::steady_clock in milliseconds: what `run` passes, and what an empty Clock means.
int64_t steady_now_ms();

}  // namespace imsguard::guard
