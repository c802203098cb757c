#pragma once
// The brute-force lockouts in force, by what they lock (an identity or a source) and why,
// for the operator: `imsguard ban list` shows them beside the bans and `imsguard unlock`
// lifts one. The guard decides from fixed-size slot tables that hold hashes only; this list
// keeps the text and the reason of every lockout the guard makes or applies from another
// edge, with the slot key to clear. Bounded: at most `capacity` entries; when it is full the
// expired entries go first, then the one that would end soonest.
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imsguard::guard {

struct Lockout {
  enum class Kind : uint8_t { kIdentity, kSource };
  Kind kind = Kind::kIdentity;
  std::string subject;  // the IMPI (lowercase), or the source as the guard keys it
  std::string reason;
  int64_t until_ms = 0;   // on the guards' clock
  uint64_t slot_key = 0;  // where the guard keeps its state (BruteForceGuard)

  std::string_view kind_name() const { return kind == Kind::kIdentity ? "identity" : "source"; }
  // "identity alice@ims.local  locked 54 s  reason: ..." (the `ban list` line)
  std::string to_string(int64_t now_ms) const;
};

class LockoutList {
 public:
  explicit LockoutList(size_t capacity = 4096) : capacity_(capacity) {}
  // Records (or extends and re-explains) the lockout of `subject`.
  void add(Lockout lockout, int64_t now_ms);
  // Those still in force, the soonest to end first.
  std::vector<Lockout> list(int64_t now_ms) const;
  // Removes the entry for `subject` (identity case-insensitively); what it was, if any.
  std::optional<Lockout> remove(Lockout::Kind kind, std::string_view subject);
  size_t size() const;

 private:
  const size_t capacity_;
  mutable std::mutex mutex_;
  std::vector<Lockout> entries_;
};

}  // namespace imsguard::guard
