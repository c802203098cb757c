#include "guard/window_sketch.h"

#include <algorithm>
#include <limits>

namespace imsguard::guard {

WindowSketch::WindowSketch(int64_t window_ms, size_t budget_bytes) : window_ms_(std::max<int64_t>(window_ms, 1)) {
  size_t per_cell = 2 * kDepth * sizeof(std::atomic<uint32_t>);
  size_t w = 64;
  while (w * 2 * per_cell <= budget_bytes) w *= 2;
  width_ = w;
  cells_ = std::make_unique<std::atomic<uint32_t>[]>(2 * kDepth * width_);
  for (size_t i = 0; i < 2 * kDepth * width_; ++i) cells_[i].store(0, std::memory_order_relaxed);
  epoch_[0].store(-2);
  epoch_[1].store(-2);
}

unsigned WindowSketch::current(int64_t epoch) {
  unsigned gen = static_cast<unsigned>(epoch & 1);
  if (epoch_[gen].load(std::memory_order_acquire) != epoch) {
    std::lock_guard lock(reset_);
    if (epoch_[gen].load(std::memory_order_relaxed) != epoch) {
      std::atomic<uint32_t>* base = &cells_[static_cast<size_t>(gen) * kDepth * width_];
      for (size_t i = 0; i < kDepth * width_; ++i) base[i].store(0, std::memory_order_relaxed);
      epoch_[gen].store(epoch, std::memory_order_release);
    }
  }
  return gen;
}

uint32_t WindowSketch::min_of(unsigned gen, uint64_t h) const {
  uint32_t m = std::numeric_limits<uint32_t>::max();
  for (unsigned row = 0; row < kDepth; ++row) m = std::min(m, cell(gen, row, h)->load(std::memory_order_relaxed));
  return m;
}

uint32_t WindowSketch::add(uint64_t h, int64_t now_ms) {
  int64_t epoch = now_ms / window_ms_;
  unsigned gen = current(epoch);
  uint32_t cur = std::numeric_limits<uint32_t>::max();
  for (unsigned row = 0; row < kDepth; ++row)
    cur = std::min(cur, cell(gen, row, h)->fetch_add(1, std::memory_order_relaxed) + 1);
  unsigned prev = gen ^ 1;
  if (epoch_[prev].load(std::memory_order_acquire) != epoch - 1) return cur;
  double overlap = 1.0 - static_cast<double>(now_ms % window_ms_) / static_cast<double>(window_ms_);
  return cur + static_cast<uint32_t>(min_of(prev, h) * overlap);
}

uint32_t WindowSketch::estimate(uint64_t h, int64_t now_ms) const {
  int64_t epoch = now_ms / window_ms_;
  unsigned gen = static_cast<unsigned>(epoch & 1);
  uint32_t cur = epoch_[gen].load(std::memory_order_acquire) == epoch ? min_of(gen, h) : 0;
  unsigned prev = gen ^ 1;
  if (epoch_[prev].load(std::memory_order_acquire) != epoch - 1) return cur;
  double overlap = 1.0 - static_cast<double>(now_ms % window_ms_) / static_cast<double>(window_ms_);
  return cur + static_cast<uint32_t>(min_of(prev, h) * overlap);
}

}  // namespace imsguard::guard
