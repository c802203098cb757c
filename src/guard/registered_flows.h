#pragma once
// Flows that authenticated recently, in a fixed-size lock-free table keyed by the flow's
// hash (address, port, transport, connection). The guards count and ban these per flow
// instead of per address, so the phones behind one NAT address are told apart and an
// abusive neighbour does not take them down with it.
#include <atomic>
#include <cstdint>
#include <memory>

namespace imsguard::guard {

class RegisteredFlows {
 public:
  explicit RegisteredFlows(size_t capacity = 1 << 16);
  void add(uint64_t flow_hash, int64_t expires_ms);
  void remove(uint64_t flow_hash);
  bool contains(uint64_t flow_hash, int64_t now_ms) const;
  size_t memory_bytes() const { return sizeof(*this) + capacity_ * sizeof(Slot); }

 private:
  static constexpr unsigned kProbe = 8;
  struct Slot {
    std::atomic<uint64_t> key{0};
    std::atomic<int64_t> expires_ms{0};
  };
  size_t capacity_;
  std::unique_ptr<Slot[]> slots_;
};

}  // namespace imsguard::guard
