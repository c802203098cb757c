#pragma once
// One entry point that turns the config's `state:` and `data_dir:` into stores, so the
// runtime, the CLI and tests open state the same way.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ops/counters.h"
#include "ops/events.h"
#include "store/binding_store.h"
#include "store/guard_store.h"
#include "store/subscriber_store.h"

namespace imsguard::store {

class RedisClient;

struct StateStores {
  std::unique_ptr<SubscriberStore> subscribers;
  std::unique_ptr<BindingStore> bindings;
  std::unique_ptr<GuardStateStore> guard;  // bans, lockouts, counters, nonce counts
  std::shared_ptr<RedisClient> redis;      // set for a redis:// state (health, metrics)
};

// Creates `dir` (and missing parents) if absent; the last component gets mode 0700 because it
// holds the key database. An existing directory is left as it is.
StoreResult<void> ensure_private_dir(const std::string& dir);

// A random secret of `bytes` bytes kept in `path` (mode 0600): read if the file exists (its
// size must match), else created. Keys that must outlive a restart (the edge's flow-token
// MAC key, whose tokens sit in stored bindings and dialog routes) live here.
StoreResult<std::vector<uint8_t>> load_or_create_secret(const std::string& path, std::size_t bytes);

// <data_dir>/imsguard.db
std::string database_path(const std::string& data_dir);

// kind "sqlite": every store on <data_dir>/imsguard.db (data_dir created 0700 if absent).
// kind "memory": in-process stores, data_dir unused.
// kind "redis://..." / "rediss://..." (see redis_url.h): bindings, SQNs and guard state in
// Redis, shared by every edge using the same URL; subscriber records in the local SQLite
// database of data_dir. Redis must answer at start (a wrong URL or password fails here).
// Anything else: kInvalid.
// `metrics`, `events`: the owner's (app::Node's), outliving the stores; only the Redis client
// and its binding store report into them.
StoreResult<StateStores> open_state(std::string_view kind, const std::string& data_dir, ops::CounterRegistry& metrics,
                                    ops::EventSink& events);

}  // namespace imsguard::store
