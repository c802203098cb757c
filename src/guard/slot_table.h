#pragma once
// Fixed-size per-key state for the guards that need more than a counter (token buckets,
// failure counts, distinct-user bitmaps): 4-way set-associative, sharded locks, the least
// recently used way of a set gives way to a new key. Memory never grows with the number of
// keys an attacker invents; a key evicted under pressure starts afresh, which only ever
// makes a guard forget, never act on the wrong key.
#include <array>
#include <cstdint>
#include <memory>
#include <mutex>

namespace imsguard::guard {

template <class T>
class SlotTable {
 public:
  static constexpr unsigned kWays = 4;
  explicit SlotTable(size_t capacity) {
    size_t sets = 16;
    while (sets * kWays < capacity) sets *= 2;
    sets_ = sets;
    slots_ = std::make_unique<Slot[]>(sets_ * kWays);
  }

  // Calls fn(T& value, bool fresh) under the set's lock; fresh when the key had no state.
  template <class Fn>
  auto with(uint64_t key, int64_t now_ms, Fn&& fn) {
    if (key == 0) key = 1;
    size_t set = (key >> 7) & (sets_ - 1);
    std::lock_guard lock(locks_[set % kLocks]);
    Slot* ways = &slots_[set * kWays];
    Slot* victim = &ways[0];
    for (unsigned i = 0; i < kWays; ++i) {
      if (ways[i].key == key) {
        ways[i].used_ms = now_ms;
        return fn(ways[i].value, false);
      }
      if (ways[i].used_ms < victim->used_ms || ways[i].key == 0) victim = &ways[i];
    }
    victim->key = key;
    victim->used_ms = now_ms;
    victim->value = T{};
    return fn(victim->value, true);
  }

  // Calls fn(T& value) under the set's lock when `key` has state, and returns true; false,
  // without calling fn, when it has none. Neither makes a slot nor marks one used: a look-up
  // by an operator (`imsguard unlock` of a name that is not locked) must not evict a key
  // that is counting, nor keep one alive.
  template <class Fn>
  bool with_existing(uint64_t key, Fn&& fn) {
    if (key == 0) key = 1;
    size_t set = (key >> 7) & (sets_ - 1);
    std::lock_guard lock(locks_[set % kLocks]);
    Slot* ways = &slots_[set * kWays];
    for (unsigned i = 0; i < kWays; ++i)
      if (ways[i].key == key) {
        fn(ways[i].value);
        return true;
      }
    return false;
  }

  size_t memory_bytes() const { return sizeof(*this) + sets_ * kWays * sizeof(Slot); }

 private:
  static constexpr size_t kLocks = 64;
  struct Slot {
    uint64_t key = 0;
    int64_t used_ms = INT64_MIN;
    T value{};
  };
  size_t sets_;
  std::unique_ptr<Slot[]> slots_;
  std::array<std::mutex, kLocks> locks_;
};

}  // namespace imsguard::guard
