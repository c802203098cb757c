#include "store/redis_sqn_store.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include "store/redis_codec.h"

namespace imsguard::store {
namespace {

// KEYS: sqn key. ARGV: expected ("" = absent), new value. 1 = stored, 0 = changed meanwhile.
constexpr const char* kCompareAndSet = R"lua(
local cur = redis.call('GET', KEYS[1])
if (cur or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
)lua";

// Attempts at the compare-and-set before giving up, and the wait between them: random up to
// 50 us doubling to 3.2 ms, so edges that collided do not retry in lock step (without it,
// four threads reserving for one user starved one of them past 16 immediate retries).
constexpr int kCasAttempts = 32;

void back_off(int attempt) {
  thread_local std::minstd_rand jitter(std::random_device{}());
  const int64_t ceiling_us = int64_t{50} << std::min(attempt, 6);
  std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int64_t>(1, ceiling_us)(jitter)));
}

}  // namespace

RedisSqnSubscriberStore::RedisSqnSubscriberStore(std::unique_ptr<SubscriberStore> records,
                                                 std::shared_ptr<RedisClient> client)
    : records_(std::move(records)), client_(std::move(client)) {}

uint64_t RedisSqnSubscriberStore::floor_of(std::string_view impi) {
  std::lock_guard lock(mu_);
  auto it = handed_out_.find(impi);
  return it == handed_out_.end() ? 0 : it->second;
}

StoreResult<std::optional<Subscriber>> RedisSqnSubscriberStore::find(std::string_view impi) {
  auto r = records_->find(impi);
  if (!r || !r.value()) return r;
  // The record's SQN is the shared one when Redis answers (resync decisions read it).
  auto shared = client_->command({"GET", sqn_key(impi)});
  if (shared && !shared->is_nil()) {
    if (auto v = redis_codec::to_int(shared->str); v && *v >= 0)
      r.value()->sqn = std::max<uint64_t>(r.value()->sqn, static_cast<uint64_t>(*v));
  }
  return r;
}

StoreResult<std::optional<Subscriber>> RedisSqnSubscriberStore::find_by_impu(std::string_view impu) {
  auto r = records_->find_by_impu(impu);
  if (!r || !r.value()) return r;
  return find(r.value()->impi);
}

StoreResult<uint64_t> RedisSqnSubscriberStore::reserve_sqn(std::string_view impi, const SqnAdvance& next) {
  auto record = records_->find(impi);
  if (!record) return record.error();
  if (!record.value()) return not_found("no subscriber with IMPI '" + std::string(impi) + "'");
  const uint64_t local = record.value()->sqn;
  const std::string key = sqn_key(impi);
  for (int attempt = 0; attempt < kCasAttempts; ++attempt) {
    if (attempt > 0) back_off(attempt);
    auto current = client_->command({"GET", key});
    if (!current) return unavailable("cannot reserve an SQN in shared state: " + current.message());
    std::string expected;
    uint64_t shared = 0;
    if (!current->is_nil()) {
      auto v = redis_codec::to_int(current->str);
      if (!v || *v < 0 || static_cast<uint64_t>(*v) > kMaxSqn)
        return unavailable("shared SQN for '" + std::string(impi) + "' is corrupt");
      expected = current->str;
      shared = static_cast<uint64_t>(*v);
    }
    const uint64_t base = std::max({shared, local, floor_of(impi)});
    const uint64_t candidate = next(base);
    if (candidate <= base || candidate > kMaxSqn)
      return invalid("SQN advance from " + std::to_string(base) + " to " + std::to_string(candidate) +
                     " does not move forward within 48 bits");
    auto stored = client_->eval(kCompareAndSet, {key}, {expected, std::to_string(candidate)});
    if (!stored) return unavailable("cannot reserve an SQN in shared state: " + stored.message());
    if (stored->integer != 1) continue;  // another edge reserved meanwhile: read again
    std::lock_guard lock(mu_);
    auto& high = handed_out_[std::string(impi)];
    high = std::max(high, candidate);
    return candidate;
  }
  return unavailable("SQN for '" + std::string(impi) + "' contended; try again");
}

StoreResult<void> RedisSqnSubscriberStore::set_sqn(std::string_view impi, uint64_t sqn) {
  if (sqn > kMaxSqn) return invalid("SQN does not fit in 48 bits");
  // Shared value first: if Redis is down nothing changes anywhere and the caller answers 503.
  auto r = client_->command({"SET", sqn_key(impi), std::to_string(sqn)});
  if (!r) return unavailable("cannot store the SQN in shared state: " + r.message());
  if (auto local = records_->set_sqn(impi, sqn); !local) return local;
  std::lock_guard lock(mu_);
  handed_out_[std::string(impi)] = sqn;  // a resynchronisation may move it back (TS 33.102)
  return {};
}

}  // namespace imsguard::store
