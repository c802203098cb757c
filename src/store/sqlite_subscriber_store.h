#pragma once
// SubscriberStore on SQLite: the embedded default, so subscribers and their SQNs survive a
// restart on a single machine. The connection runs with synchronous=FULL because an SQN
// reservation must be on disk before the challenge that carries it leaves the process; to keep
// that fsync from capping AKA throughput, concurrent reserve_sqn calls are group-committed
// (one transaction and one fsync for all reservations waiting at that moment).
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "store/sqlite_db.h"
#include "store/subscriber_store.h"

namespace imsguard::store {

class SqliteSubscriberStore final : public SubscriberStore {
 public:
  // Opens <path> (see SqliteDb::open). Several stores and processes may open the same file.
  static StoreResult<std::unique_ptr<SqliteSubscriberStore>> open(const std::string& path);

  StoreResult<std::optional<Subscriber>> find(std::string_view impi) override;
  StoreResult<std::optional<Subscriber>> find_by_impu(std::string_view impu) override;
  StoreResult<void> add(const Subscriber& s) override;
  StoreResult<void> add_all(const std::vector<Subscriber>& subscribers) override;
  StoreResult<void> update(const Subscriber& s) override;
  StoreResult<void> remove(std::string_view impi) override;
  StoreResult<void> set_barred(std::string_view impi, bool barred) override;
  StoreResult<std::vector<Subscriber>> list(std::size_t offset, std::size_t limit) override;
  StoreResult<std::size_t> count() override;
  // Kept by triggers in the database (schema 3), so writes by other processes count too.
  StoreResult<uint64_t> change_stamp() override;
  StoreResult<uint64_t> reserve_sqn(std::string_view impi, const SqnAdvance& next) override;
  StoreResult<void> set_sqn(std::string_view impi, uint64_t sqn) override;

 private:
  explicit SqliteSubscriberStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
  // The helpers below expect mu_ held (and a transaction where they write).
  StoreResult<std::optional<Subscriber>> load(std::string_view impi);
  StoreResult<void> insert(const Subscriber& s);
  StoreResult<void> insert_impus(const Subscriber& s);
  StoreResult<void> check_impus_free(const Subscriber& s);

  // One reserve_sqn call waiting for a group commit.
  struct SqnRequest {
    std::string_view impi;
    const SqnAdvance* next;
    std::optional<StoreResult<uint64_t>> result;  // set under batch_mu_ once committed
  };
  // Reserves for every request in one transaction; one result per request, in order.
  std::vector<StoreResult<uint64_t>> run_sqn_batch(const std::vector<SqnRequest*>& batch);
  StoreResult<uint64_t> reserve_one_locked(std::string_view impi, const SqnAdvance& next);

  std::mutex mu_;  // guards db_
  std::unique_ptr<SqliteDb> db_;

  std::mutex batch_mu_;  // guards pending_, batch_running_ and SqnRequest::result
  std::condition_variable batch_cv_;
  std::vector<SqnRequest*> pending_;
  bool batch_running_ = false;
};

}  // namespace imsguard::store
