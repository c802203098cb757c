#pragma once
// In-process SubscriberStore for tests and `state: memory`: same contract as the SQLite
// backend (the typed tests run both), nothing survives the process.
#include <map>
#include <mutex>
#include <string>

#include "store/subscriber_store.h"

namespace imsguard::store {

class MemorySubscriberStore final : public SubscriberStore {
 public:
  StoreResult<std::optional<Subscriber>> find(std::string_view impi) override;
  StoreResult<std::optional<Subscriber>> find_by_impu(std::string_view impu) override;
  StoreResult<void> add(const Subscriber& s) override;
  StoreResult<void> add_all(const std::vector<Subscriber>& subscribers) override;
  StoreResult<void> update(const Subscriber& s) override;
  StoreResult<void> remove(std::string_view impi) override;
  StoreResult<void> set_barred(std::string_view impi, bool barred) override;
  StoreResult<std::vector<Subscriber>> list(std::size_t offset, std::size_t limit) override;
  StoreResult<std::size_t> count() override;
  StoreResult<uint64_t> reserve_sqn(std::string_view impi, const SqnAdvance& next) override;
  StoreResult<void> set_sqn(std::string_view impi, uint64_t sqn) override;
  StoreResult<uint64_t> change_stamp() override;

 private:
  // Checks s against the current maps plus the IMPIs/IMPUs in `pending` (a batch being added).
  StoreResult<void> check_new(const Subscriber& s, const std::map<std::string, std::string, std::less<>>&
                                                       pending_impus) const;
  void insert(const Subscriber& s);

  std::mutex mu_;
  uint64_t changes_ = 0;  // moved by every successful write but SQN ones
  std::map<std::string, Subscriber, std::less<>> by_impi_;
  std::map<std::string, std::string, std::less<>> impi_of_impu_;
};

}  // namespace imsguard::store
