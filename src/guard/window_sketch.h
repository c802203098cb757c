#pragma once
// Counts events per key over a sliding window in a fixed amount of memory, whatever the
// number of distinct keys: a count-min sketch (4 rows) per window, two windows, and the
// sliding count is the current window plus the previous one weighted by how much of it
// still overlaps. Collisions only ever overestimate, so a million spoofed sources raise
// every cell a little; the width is chosen from the memory budget so that stays far below
// any sane threshold. Lock-free on the counting path (relaxed atomics); one thread resets a
// window when time moves on.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

namespace imsguard::guard {

class WindowSketch {
 public:
  static constexpr unsigned kDepth = 4;
  // The width is the largest power of two that keeps the sketch within budget_bytes.
  WindowSketch(int64_t window_ms, size_t budget_bytes);

  // Counts one event for `key_hash` at `now_ms` and returns its sliding-window estimate.
  uint32_t add(uint64_t key_hash, int64_t now_ms);
  uint32_t estimate(uint64_t key_hash, int64_t now_ms) const;
  size_t memory_bytes() const { return sizeof(*this) + 2 * kDepth * width_ * sizeof(std::atomic<uint32_t>); }
  size_t width() const { return width_; }

 private:
  std::atomic<uint32_t>* cell(unsigned gen, unsigned row, uint64_t h) const {
    uint64_t idx = h + row * 0x9e3779b97f4a7c15ULL;
    idx ^= idx >> 33;
    idx *= 0xff51afd7ed558ccdULL;
    idx ^= idx >> 33;
    return &cells_[(static_cast<size_t>(gen) * kDepth + row) * width_ + (idx & (width_ - 1))];
  }
  unsigned current(int64_t epoch);
  uint32_t min_of(unsigned gen, uint64_t h) const;

  int64_t window_ms_;
  size_t width_;
  std::unique_ptr<std::atomic<uint32_t>[]> cells_;
  std::atomic<int64_t> epoch_[2];
  std::mutex reset_;
};

}  // namespace imsguard::guard
