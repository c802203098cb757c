#pragma once
// Refuses a Digest nonce-count (nc) that is not greater than the last one seen for that
// nonce: without it a captured Authorization could be replayed while its nonce is valid.
// Memory is fixed at construction (a set-associative table, evicting the oldest nonce in a
// full bucket) so a flood of registrations cannot grow it. Eviction never opens a replay
// window: each bucket remembers the newest issue time it evicted, and an unknown nonce issued
// at or before it is answered kForgotten (the caller challenges again with stale=true).
#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

namespace imsguard::crypto {

class NcTracker {
 public:
  enum class Verdict {
    kAccepted,   // nc is higher than any seen for this nonce; recorded
    kReplay,     // nc <= the highest seen: refuse
    kForgotten,  // the nonce may have been evicted: refuse, re-challenge with stale=true
  };

  // capacity: nonces remembered at once (rounded up to a multiple of the bucket size). Size it
  // for the registrations expected within one nonce lifetime.
  explicit NcTracker(size_t capacity);

  // Call after the response verified, so a forged answer cannot burn the client's nc values.
  // issued_at_ms comes from NonceAuthority::verify. nc 0 is never accepted.
  Verdict check_and_record(std::string_view nonce, int64_t issued_at_ms, uint32_t nc);

  // The 8-hex-digit nc parameter; nullopt otherwise.
  static std::optional<uint32_t> parse_nc(std::string_view nc);

  size_t capacity() const { return slots_.size(); }
  // Bytes held by the tables: fixed from construction on.
  size_t memory_bytes() const;

 private:
  static constexpr size_t kWays = 8;
  struct Slot {
    uint64_t tag = 0;
    int64_t issued_at_ms = 0;
    uint32_t nc = 0;
    bool used = false;
  };

  std::mutex mu_;
  std::vector<Slot> slots_;           // buckets of kWays slots
  std::vector<int64_t> evicted_upto_; // per bucket: newest issued_at evicted
};

}  // namespace imsguard::crypto
