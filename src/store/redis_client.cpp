#include "store/redis_client.h"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "ops/counters.h"
#include "ops/events.h"

namespace imsguard::store {
namespace {

RedisReply copy_reply(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(copy_reply(r->element[i]));
      break;
    default:
      out.type = RedisReply::Type::kNil;
  }
  return out;
}


}  // namespace

int64_t RedisClient::mono_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

RedisClient::RedisClient(config::RedisUrl url, ops::CounterRegistry& metrics, ops::EventSink& events)
    : url_(std::move(url)),
      metrics_(metrics),
      events_(events),
      outage_counter_(metrics.get("imsguard_state_redis_outages_total", "times the shared state (Redis) became unreachable")),
      error_counter_(metrics.get("imsguard_state_redis_errors_total", "shared-state (Redis) calls that failed")) {
  for (int i = 0; i < url_.pool; ++i) pool_.push_back(std::make_unique<Conn>());
}

RedisClient::~RedisClient() = default;

StoreResult<std::unique_ptr<RedisClient>> RedisClient::connect(const config::RedisUrl& url, ops::CounterRegistry& metrics,
                                                               ops::EventSink& events, bool allow_down) {
  std::unique_ptr<RedisClient> client(new RedisClient(url, metrics, events));
  std::string err;
  {
    std::lock_guard lock(client->pool_[0]->mu);
    err = client->open_locked(*client->pool_[0]);
  }
  if (!err.empty()) {
    if (!allow_down) return unavailable("cannot reach Redis at " + url.redacted() + ": " + err);
    client->mark_down(err);
  } else {
    client->up_.store(true);
  }
  return client;
}

std::string RedisClient::open_locked(Conn& conn) {
  conn.link.reset();
  auto opened = RedisLink::open(url_);
  if (!opened.ok()) return opened.message();
  std::unique_ptr<RedisLink> link = std::move(opened).value();
  auto simple = [&](std::vector<std::string> args) -> std::string {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    auto r = link->call(static_cast<int>(argv.size()), argv.data(), lens.data());
    if (!r.ok()) return r.message();
    if ((*r)->type == REDIS_REPLY_ERROR) return std::string((*r)->str, (*r)->len);
    return {};
  };
  if (!url_.password.empty()) {
    std::string e = url_.user.empty() ? simple({"AUTH", url_.password}) : simple({"AUTH", url_.user, url_.password});
    if (!e.empty()) return "AUTH failed: " + e;
  }
  if (url_.db != 0) {
    if (std::string e = simple({"SELECT", std::to_string(url_.db)}); !e.empty()) return "SELECT failed: " + e;
  } else if (std::string e = simple({"PING"}); !e.empty()) {
    // A round trip proves the peer speaks Redis on this link (a TLS port reached in clear, a
    // client certificate refused after a TLS 1.3 handshake) before the link is trusted.
    return "no answer to PING: " + e;
  }
  conn.link = std::move(link);
  conn.epoch = epoch_.load(std::memory_order_acquire);
  return {};
}

void RedisClient::mark_down(const std::string& why) {
  error_counter_.inc();
  epoch_.fetch_add(1, std::memory_order_acq_rel);
  next_retry_ms_.store(mono_ms() + retry_ms_, std::memory_order_release);
  std::lock_guard lock(state_mu_);
  up_.store(false, std::memory_order_release);
  if (reported_down_) return;
  reported_down_ = true;
  outages_.fetch_add(1);
  outage_counter_.inc();
  spdlog::error("shared state: Redis at {} unreachable ({}); serving from local state", url_.redacted(), why);
  events_.emit({"state", url_.redacted(), "", "outage", "Redis unreachable: " + why});
}

void RedisClient::mark_up() {
  std::lock_guard lock(state_mu_);
  up_.store(true, std::memory_order_release);
  if (!reported_down_) return;
  reported_down_ = false;
  recoveries_.fetch_add(1);
  spdlog::warn("shared state: Redis at {} reachable again", url_.redacted());
  events_.emit({"state", url_.redacted(), "", "recovered", "Redis reachable again"});
}

StoreResult<RedisReply> RedisClient::command(const std::vector<std::string>& args) {
  const bool was_up = up();
  if (!was_up && mono_ms() < next_retry_ms_.load(std::memory_order_acquire))
    return unavailable("Redis unreachable (retrying)");
  // Any free connection, else wait for the next one in turn.
  Conn* conn = nullptr;
  std::unique_lock<std::mutex> lock;
  for (auto& c : pool_) {
    std::unique_lock<std::mutex> l(c->mu, std::try_to_lock);
    if (l.owns_lock()) {
      conn = c.get();
      lock = std::move(l);
      break;
    }
  }
  if (conn == nullptr) {
    conn = pool_[next_.fetch_add(1, std::memory_order_relaxed) % pool_.size()].get();
    lock = std::unique_lock<std::mutex>(conn->mu);
  }
  if (!conn->link || conn->link->broken() || conn->epoch != epoch_.load(std::memory_order_acquire)) {
    if (!was_up) {
      // One reconnection attempt per retry period across all callers.
      int64_t due = next_retry_ms_.load(std::memory_order_acquire);
      int64_t now = mono_ms();
      if (now < due || !next_retry_ms_.compare_exchange_strong(due, now + retry_ms_))
        return unavailable("Redis unreachable (retrying)");
    }
    if (std::string e = open_locked(*conn); !e.empty()) {
      mark_down(e);
      return unavailable("Redis unreachable: " + e);
    }
  }
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto called = conn->link->call(static_cast<int>(argv.size()), argv.data(), lens.data());
  if (!called.ok()) {
    conn->link.reset();
    lock.unlock();
    mark_down(called.message());
    return unavailable("Redis: " + called.message());
  }
  RedisReplyPtr r = std::move(called).value();
  if (r->type == REDIS_REPLY_ERROR) {
    std::string e(r->str, r->len);
    // A server still loading its data after a restart is not ready yet: unavailable, and
    // not yet "back".
    if (e.rfind("LOADING", 0) == 0 || e.rfind("BUSY", 0) == 0) return unavailable("Redis: " + e);
    if (!was_up) mark_up();
    error_counter_.inc();
    return invalid("Redis: " + e);
  }
  if (!was_up) mark_up();
  return copy_reply(r.get());
}

StoreResult<RedisReply> RedisClient::eval(std::string_view script, const std::vector<std::string>& keys,
                                          const std::vector<std::string>& args) {
  std::vector<std::string> argv;
  argv.reserve(3 + keys.size() + args.size());
  argv.emplace_back("EVAL");
  argv.emplace_back(script);
  argv.push_back(std::to_string(keys.size()));
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  return command(argv);
}

}  // namespace imsguard::store
