#pragma once
// SubscriberStore: the HSS-lite interface the registrar authenticates against. An interface
// because the same data lives in SQLite on one machine and in Redis when several edges share
// one SIP domain; callers must not care which.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "store/result.h"
#include "store/subscriber.h"

namespace imsguard::store {

// Computes the next SQN from the current one (e.g. crypto's SEQ/IND policy). Must return a
// value greater than `current` and at most kMaxSqn; anything else is refused. It runs under
// the store's lock, so it must be quick and must not call back into the store.
using SqnAdvance = std::function<uint64_t(uint64_t current)>;

// A record shared read-only: a cache hands out the copy it keeps instead of copying the
// record (IMPUs, HA1s, services) on every lookup of the registration path. Null: no such user.
using SharedSubscriber = std::shared_ptr<const Subscriber>;

// All implementations are thread-safe. Errors: kNotFound for an unknown IMPI, kConflict for a
// duplicate IMPI/IMPU, kInvalid for a malformed record, kUnavailable for a backend failure.
class SubscriberStore {
 public:
  virtual ~SubscriberStore() = default;

  // nullopt when there is no such subscriber (not an error).
  virtual StoreResult<std::optional<Subscriber>> find(std::string_view impi) = 0;
  // Exact match on the IMPU as provisioned (callers normalise URIs before asking).
  virtual StoreResult<std::optional<Subscriber>> find_by_impu(std::string_view impu) = 0;
  // The same lookups for a caller that only reads the record. Default: a new shared copy.
  virtual StoreResult<SharedSubscriber> find_shared(std::string_view impi);
  virtual StoreResult<SharedSubscriber> find_shared_by_impu(std::string_view impu);

  // Adds a new subscriber; kConflict if the IMPI or any IMPU is already taken.
  virtual StoreResult<void> add(const Subscriber& s) = 0;
  // Adds all or none (one transaction): the bulk import path.
  virtual StoreResult<void> add_all(const std::vector<Subscriber>& subscribers) = 0;
  // Replaces the record with s.impi (IMPUs, keys, HA1s, barred, services). The stored SQN is
  // kept: SQN only moves through reserve_sqn / set_sqn, so an edit never rewinds it.
  virtual StoreResult<void> update(const Subscriber& s) = 0;
  virtual StoreResult<void> remove(std::string_view impi) = 0;
  virtual StoreResult<void> set_barred(std::string_view impi, bool barred) = 0;

  // Subscribers ordered by IMPI, `limit` at most, after skipping `offset`.
  virtual StoreResult<std::vector<Subscriber>> list(std::size_t offset, std::size_t limit) = 0;
  virtual StoreResult<std::size_t> count() = 0;

  // Durably stores and returns the next SQN for the subscriber BEFORE the caller builds a
  // challenge: when this returns, the value is committed (SQLite: fsync'd with
  // synchronous=FULL), so after a crash and restart it is never handed out again.
  // kNotFound for an unknown IMPI, kInvalid if `next` does not move forward within 48 bits.
  virtual StoreResult<uint64_t> reserve_sqn(std::string_view impi, const SqnAdvance& next) = 0;
  // Sets the SQN after an AUTS re-synchronisation (may move it backwards, as TS 33.102
  // allows SQN_HE = SQN_MS). Durable like reserve_sqn.
  virtual StoreResult<void> set_sqn(std::string_view impi, uint64_t sqn) = 0;

  // A number that moves whenever any writer (this process or another one) adds, changes or
  // removes a subscriber record or its IMPUs; SQN moves do not count. A cache can then keep
  // records until the number moves, rather than re-reading each one on a timer.
  // kUnavailable when the store cannot tell (the cache must then expire records by age).
  virtual StoreResult<uint64_t> change_stamp() { return unavailable("this store does not stamp its changes"); }
};

}  // namespace imsguard::store
