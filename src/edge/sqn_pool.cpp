#include "edge/sqn_pool.h"

#include "crypto/aka.h"

namespace imsguard::edge {

std::shared_ptr<SqnPool::Range> SqnPool::range_for(std::string_view impi) {
  std::lock_guard lock(mu_);
  auto& r = ranges_[std::string(impi)];
  if (!r) r = std::make_shared<Range>();
  return r;
}

store::StoreResult<uint64_t> SqnPool::next(std::string_view impi) {
  auto range = range_for(impi);
  std::lock_guard lock(range->mu);  // one reservation at a time per subscriber
  if (range->valid) {
    uint64_t n = crypto::next_sqn(range->last);
    if (n > range->last && n <= range->end) {
      range->last = n;
      return n;
    }
  }
  // Reserve `batch` SQNs: the store keeps the last of them, so after a restart the next
  // reservation starts past everything this range could have handed out.
  uint64_t before = 0;
  const uint32_t batch = batch_;
  auto reserved = store_.reserve_sqn(impi, [&before, batch](uint64_t current) {
    before = current;
    uint64_t v = current;
    for (uint32_t i = 0; i < batch; ++i) {
      uint64_t n = crypto::next_sqn(v);
      if (n <= v) break;  // end of the 48-bit space: the store refuses a non-increasing value
      v = n;
    }
    return v;
  });
  if (!reserved.ok()) {
    range->valid = false;
    return reserved;
  }
  {
    std::lock_guard count(mu_);
    ++reservations_;
  }
  range->end = reserved.value();
  range->last = crypto::next_sqn(before);
  range->valid = true;
  return range->last;
}

void SqnPool::forget(std::string_view impi) {
  // The map lock is released before the range's: next() takes them in the other order (it
  // holds the range while it counts a reservation under mu_), and TSan saw the inversion.
  std::shared_ptr<Range> range;
  {
    std::lock_guard lock(mu_);
    auto it = ranges_.find(std::string(impi));
    if (it == ranges_.end()) return;
    range = it->second;
  }
  std::lock_guard range_lock(range->mu);
  range->valid = false;
}

uint64_t SqnPool::reservations() const {
  std::lock_guard lock(mu_);
  return reservations_;
}

}  // namespace imsguard::edge
