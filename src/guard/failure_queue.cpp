#include "guard/failure_queue.h"

#include <chrono>

namespace imsguard::guard {

void FailureQueue::count_failure(std::string_view key, int64_t window_ms) { push(pending_.failures, key, window_ms); }

void FailureQueue::publish_lockout(std::string_view key, int64_t lock_ms) { push(pending_.lockouts, key, lock_ms); }

void FailureQueue::push(std::vector<std::pair<std::string, int64_t>>& queue, std::string_view key, int64_t value) {
  {
    std::lock_guard lock(mu_);
    if (queue.size() >= max_pending_) {
      ++overflowed_;
      return;
    }
    queue.emplace_back(key, value);
  }
  cv_.notify_one();  // a brute force is counted across edges now, not at the next poll
}

FailureQueue::Batch FailureQueue::take() {
  std::lock_guard lock(mu_);
  Batch out;
  std::swap(out, pending_);
  return out;
}

void FailureQueue::wait(int timeout_ms) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
               [this] { return woken_ || !pending_.failures.empty() || !pending_.lockouts.empty(); });
  woken_ = false;
}

void FailureQueue::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

uint64_t FailureQueue::overflowed() const {
  std::lock_guard lock(mu_);
  return overflowed_;
}

}  // namespace imsguard::guard
