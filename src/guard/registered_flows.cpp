#include "guard/registered_flows.h"

namespace imsguard::guard {

RegisteredFlows::RegisteredFlows(size_t capacity) {
  size_t c = 16;
  while (c < capacity) c *= 2;
  capacity_ = c;
  slots_ = std::make_unique<Slot[]>(capacity_);
}

void RegisteredFlows::add(uint64_t h, int64_t expires_ms) {
  if (h == 0) h = 1;
  size_t base = h & (capacity_ - 1);
  size_t victim = base;
  int64_t oldest = INT64_MAX;
  for (unsigned i = 0; i < kProbe; ++i) {
    Slot& s = slots_[(base + i) & (capacity_ - 1)];
    uint64_t k = s.key.load(std::memory_order_relaxed);
    if (k == h) {
      s.expires_ms.store(expires_ms, std::memory_order_relaxed);
      return;
    }
    int64_t e = k ? s.expires_ms.load(std::memory_order_relaxed) : INT64_MIN;
    if (e < oldest) {
      oldest = e;
      victim = (base + i) & (capacity_ - 1);
    }
  }
  // Full neighbourhood: the registration closest to expiry gives way (it will be counted
  // per address until it registers again).
  slots_[victim].expires_ms.store(expires_ms, std::memory_order_relaxed);
  slots_[victim].key.store(h, std::memory_order_release);
}

void RegisteredFlows::remove(uint64_t h) {
  if (h == 0) h = 1;
  size_t base = h & (capacity_ - 1);
  for (unsigned i = 0; i < kProbe; ++i) {
    Slot& s = slots_[(base + i) & (capacity_ - 1)];
    if (s.key.load(std::memory_order_relaxed) == h) s.expires_ms.store(0, std::memory_order_relaxed);
  }
}

bool RegisteredFlows::contains(uint64_t h, int64_t now_ms) const {
  if (h == 0) h = 1;
  size_t base = h & (capacity_ - 1);
  for (unsigned i = 0; i < kProbe; ++i) {
    const Slot& s = slots_[(base + i) & (capacity_ - 1)];
    if (s.key.load(std::memory_order_acquire) == h) return s.expires_ms.load(std::memory_order_relaxed) > now_ms;
  }
  return false;
}

}  // namespace imsguard::guard
