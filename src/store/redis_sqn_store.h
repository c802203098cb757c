#pragma once
// SubscriberStore for edges that share one domain through Redis. Subscriber records (keys,
// HA1s, IMPUs, barring) are provisioning data and stay in each edge's local SQLite database
// (provision every edge from the same import file); the one field that every challenge
// changes, the AKA SQN, lives in Redis so that two edges never hand out the same SQN.
//
// reserve_sqn reads the shared value, advances it with the caller's policy from the highest
// of (Redis, local record, the highest this process handed out) and stores it with a
// compare-and-set script, retrying on a concurrent change. The floor protects against a
// Redis that restarted without its data: this process never goes back below what it used.
// When Redis cannot be reached the reservation fails (kUnavailable): the registrar answers
// 503 with Retry-After rather than risk a reused SQN. Redis must persist writes for this to
// survive a Redis crash (appendonly yes, appendfsync always; see docs/state.md).
#include <map>
#include <memory>
#include <mutex>

#include "store/redis_client.h"
#include "store/subscriber_store.h"

namespace imsguard::store {

class RedisSqnSubscriberStore final : public SubscriberStore {
 public:
  RedisSqnSubscriberStore(std::unique_ptr<SubscriberStore> records, std::shared_ptr<RedisClient> client);

  StoreResult<std::optional<Subscriber>> find(std::string_view impi) override;
  StoreResult<std::optional<Subscriber>> find_by_impu(std::string_view impu) override;
  StoreResult<void> add(const Subscriber& s) override { return records_->add(s); }
  StoreResult<void> add_all(const std::vector<Subscriber>& s) override { return records_->add_all(s); }
  StoreResult<void> update(const Subscriber& s) override { return records_->update(s); }
  StoreResult<void> remove(std::string_view impi) override { return records_->remove(impi); }
  StoreResult<void> set_barred(std::string_view impi, bool barred) override { return records_->set_barred(impi, barred); }
  StoreResult<std::vector<Subscriber>> list(std::size_t offset, std::size_t limit) override {
    return records_->list(offset, limit);
  }
  StoreResult<std::size_t> count() override { return records_->count(); }
  StoreResult<uint64_t> change_stamp() override { return records_->change_stamp(); }
  StoreResult<uint64_t> reserve_sqn(std::string_view impi, const SqnAdvance& next) override;
  StoreResult<void> set_sqn(std::string_view impi, uint64_t sqn) override;

 private:
  std::string sqn_key(std::string_view impi) const { return client_->key("sqn:" + std::string(impi)); }
  uint64_t floor_of(std::string_view impi);

  std::unique_ptr<SubscriberStore> records_;
  std::shared_ptr<RedisClient> client_;
  std::mutex mu_;
  std::map<std::string, uint64_t, std::less<>> handed_out_;  // highest SQN this process used
};

}  // namespace imsguard::store
