#pragma once
// AKA sequence numbers reserved durably in batches ahead of use, as an HSS does: one fsync'd
// store write hands this process `batch` consecutive SQNs of a subscriber, and each challenge
// then takes the next one from memory. A real AKA user's challenge therefore costs what an
// unknown or barred name's decoy costs (no store write on the request path, issue 17 F6),
// and a crash or restart skips at most the unused rest of a batch: an SQN is never handed
// out twice, because the store already holds the end of every range in use.
#include "store/subscriber_store.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace imsguard::edge {

class SqnPool {
 public:
  SqnPool(store::SubscriberStore& store, uint32_t batch) : store_(store), batch_(batch < 1 ? 1 : batch) {}

  // The next SQN for `impi`: from memory, or after reserving a new batch in the store.
  store::StoreResult<uint64_t> next(std::string_view impi);
  // The store's SQN moved (AKA resynchronisation): the range in memory is dropped.
  void forget(std::string_view impi);
  // Store writes made (reservations), for tests and benchmarks.
  uint64_t reservations() const;

 private:
  struct Range {
    std::mutex mu;
    uint64_t last = 0;  // last SQN handed out (or the store's value before the batch)
    uint64_t end = 0;   // last SQN of the reserved batch (stored durably)
    bool valid = false;
  };
  std::shared_ptr<Range> range_for(std::string_view impi);

  store::SubscriberStore& store_;
  const uint32_t batch_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Range>> ranges_;
  uint64_t reservations_ = 0;
};

}  // namespace imsguard::edge
