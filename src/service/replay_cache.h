#pragma once
// Single use of an assertion or token: remembers every id seen within the freshness window.
// Bounded so a flood of valid-looking ids cannot exhaust memory; when full of unexpired
// ids it refuses new ones (fail closed) instead of forgetting one, which would reopen replay.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_set>

namespace imsguard::service {

class ReplayCache {
 public:
  enum class Verdict { kFresh, kReplay, kFull };

  // Ids are kept for `window_s` seconds after their time stamp.
  ReplayCache(size_t capacity, int64_t window_s) : capacity_(capacity), window_s_(window_s) {}

  // Records `id` (stamped `iat`) unless seen. Thread-safe.
  Verdict check_and_insert(const std::string& id, int64_t iat, int64_t now);
  size_t size() const;

 private:
  void expire(int64_t now);

  const size_t capacity_;
  const int64_t window_s_;
  mutable std::mutex mu_;
  std::unordered_set<std::string> ids_;
  std::deque<std::pair<int64_t, std::string>> order_;  // (expiry, id), appended in arrival order
};

}  // namespace imsguard::service
