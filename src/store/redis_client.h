#pragma once
// RedisClient: a small pool of synchronous Redis connections (plain or TLS, see RedisLink) with the behaviour the edges
// need when Redis misbehaves. Every call is bounded by the URL's timeout; after a failure the
// client is "down" and calls fail at once (kUnavailable) instead of each waiting for a
// timeout, while one caller at a time retries the connection (at most every retry_ms). The
// outage is counted and logged (counter, security event) once when it starts and once when
// it ends, so operators see it without a log line per request.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "store/redis_link.h"
#include "config/redis_url.h"
#include "ops/counters.h"
#include "ops/events.h"
#include "store/result.h"


namespace imsguard::store {

// An owned copy of a hiredis reply (hiredis types stay out of the other stores).
struct RedisReply {
  enum class Type { kNil, kString, kInteger, kArray, kStatus };
  Type type = Type::kNil;
  std::string str;  // kString, kStatus
  int64_t integer = 0;
  std::vector<RedisReply> elements;

  bool is_nil() const { return type == Type::kNil; }
};

class RedisClient {
 public:
  // Connects once to check the URL and credentials: an error when Redis cannot be reached
  // at start (misconfiguration should fail loudly), unless `allow_down` (then it starts down
  // and keeps retrying).
  // `metrics`, `events`: the owner's (app::Node's), outliving the client; the stores built on
  // the client (RedisBindingStore) count into metrics() too.
  static StoreResult<std::unique_ptr<RedisClient>> connect(const config::RedisUrl& url, ops::CounterRegistry& metrics,
                                                          ops::EventSink& events, bool allow_down = false);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // One command, arguments binary-safe. A Redis error reply (e.g. a Lua error) is kInvalid;
  // connection failures and timeouts are kUnavailable.
  StoreResult<RedisReply> command(const std::vector<std::string>& args);
  // EVAL script numkeys keys... args...
  StoreResult<RedisReply> eval(std::string_view script, const std::vector<std::string>& keys,
                               const std::vector<std::string>& args);

  // Key under the configured prefix.
  std::string key(std::string_view suffix) const { return url_.prefix + std::string(suffix); }
  const config::RedisUrl& url() const { return url_; }
  ops::CounterRegistry& metrics() const { return metrics_; }

  bool up() const { return up_.load(std::memory_order_acquire); }
  // Times the connection was lost / regained, for tests and the metrics page.
  uint64_t outages() const { return outages_.load(); }
  uint64_t recoveries() const { return recoveries_.load(); }

  // Minimum time between reconnection attempts while down.
  void set_retry_ms(int ms) { retry_ms_ = ms; }

 private:
  struct Conn {
    std::mutex mu;
    std::unique_ptr<RedisLink> link;
    uint64_t epoch = 0;  // the client's epoch when opened; older connections are reopened
  };
  RedisClient(config::RedisUrl url, ops::CounterRegistry& metrics, ops::EventSink& events);
  // Opens, authenticates and selects the database on conn (its mutex held). Error text or "".
  std::string open_locked(Conn& conn);
  void mark_down(const std::string& why);
  void mark_up();
  static int64_t mono_ms();

  config::RedisUrl url_;
  ops::CounterRegistry& metrics_;
  ops::EventSink& events_;
  ops::Counter& outage_counter_;  // imsguard_state_redis_outages_total
  ops::Counter& error_counter_;   // imsguard_state_redis_errors_total
  std::vector<std::unique_ptr<Conn>> pool_;
  std::atomic<size_t> next_{0};
  std::atomic<bool> up_{false};
  std::atomic<int64_t> next_retry_ms_{0};
  std::atomic<uint64_t> epoch_{0};  // bumped on every failure: the pool's other connections are suspect too
  std::atomic<uint64_t> outages_{0}, recoveries_{0};
  std::mutex state_mu_;  // serialises up/down transitions (one event each)
  bool reported_down_ = false;
  int retry_ms_ = 250;
};

}  // namespace imsguard::store
