#pragma once
// The brute-force guard's way into the state shared by the edges of a domain: it is built by
// the composition root before the chain (when the state store is shared) and handed to the
// BruteForceGuard's constructor, and StateSync, built after the chain, drains it on its own
// thread. The queue breaks the cycle guard -> sync -> chain -> guard without a setter that
// finishes the guard after construction.
#include "guard/bruteforce.h"

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace imsguard::guard {

class FailureQueue final : public SharedFailures {
 public:
  // Beyond `max_pending` queued entries a failure or lockout stays local to this edge.
  explicit FailureQueue(size_t max_pending = 20'000) : max_pending_(max_pending) {}

  void count_failure(std::string_view key, int64_t window_ms) override;
  void publish_lockout(std::string_view key, int64_t lock_ms) override;

  // What was queued since the last take: (key, window_ms) and (key, lock_ms).
  struct Batch {
    std::vector<std::pair<std::string, int64_t>> failures;
    std::vector<std::pair<std::string, int64_t>> lockouts;
  };
  Batch take();
  // Returns when something is queued, after `timeout_ms`, or at wake().
  void wait(int timeout_ms);
  void wake();
  // Entries refused because the queue was full.
  uint64_t overflowed() const;

 private:
  void push(std::vector<std::pair<std::string, int64_t>>& queue, std::string_view key, int64_t value);

  const size_t max_pending_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  Batch pending_;
  bool woken_ = false;
  uint64_t overflowed_ = 0;
};

}  // namespace imsguard::guard
