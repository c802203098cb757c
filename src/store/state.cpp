#include "store/state.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "store/memory_binding_store.h"
#include "store/memory_guard_store.h"
#include "store/memory_subscriber_store.h"
#include "store/redis_binding_store.h"
#include "store/redis_client.h"
#include "store/redis_guard_store.h"
#include "store/redis_sqn_store.h"
#include "config/redis_url.h"
#include "store/sqlite_binding_store.h"
#include "store/sqlite_guard_store.h"
#include "store/sqlite_subscriber_store.h"

namespace imsguard::store {

StoreResult<void> ensure_private_dir(const std::string& dir) {
  if (dir.empty()) return invalid("data directory is empty");
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return invalid(dir + " exists and is not a directory");
    return {};
  }
  if (errno != ENOENT) return unavailable("cannot stat " + dir + ": " + std::strerror(errno));
  // Parents first (0755 like mkdir -p), then the directory itself 0700.
  for (std::size_t pos = dir.find('/', 1); pos != std::string::npos; pos = dir.find('/', pos + 1)) {
    std::string parent = dir.substr(0, pos);
    if (::mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST) {
      return unavailable("cannot create " + parent + ": " + std::strerror(errno));
    }
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return unavailable("cannot create " + dir + ": " + std::strerror(errno));
  }
  // mkdir applies the umask, which can only remove bits; make the mode exact.
  if (::chmod(dir.c_str(), 0700) != 0) return unavailable("cannot chmod " + dir + ": " + std::strerror(errno));
  return {};
}

StoreResult<std::vector<uint8_t>> load_or_create_secret(const std::string& path, std::size_t bytes) {
  std::vector<uint8_t> secret(bytes);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    struct stat st {};
    bool sized = ::fstat(fd, &st) == 0 && static_cast<std::size_t>(st.st_size) == bytes;
    ssize_t got = sized ? ::read(fd, secret.data(), bytes) : -1;
    ::close(fd);
    if (!sized || got != static_cast<ssize_t>(bytes))
      return invalid(path + " is not a " + std::to_string(bytes) + "-byte secret (remove it to make a new one)");
    return secret;
  }
  if (errno != ENOENT) return unavailable("cannot read " + path + ": " + std::strerror(errno));
  if (RAND_bytes(secret.data(), static_cast<int>(bytes)) != 1) return unavailable("no randomness for " + path);
  // Written under a temporary name and renamed, so a crash never leaves a short secret.
  std::string tmp = path + ".tmp";
  fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return unavailable("cannot create " + tmp + ": " + std::strerror(errno));
  bool written = ::write(fd, secret.data(), bytes) == static_cast<ssize_t>(bytes) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return unavailable("cannot write " + path + ": " + std::strerror(errno));
  }
  return secret;
}

std::string database_path(const std::string& data_dir) {
  if (!data_dir.empty() && data_dir.back() == '/') return data_dir + "imsguard.db";
  return data_dir + "/imsguard.db";
}

StoreResult<StateStores> open_state(std::string_view kind, const std::string& data_dir, ops::CounterRegistry& metrics,
                                    ops::EventSink& events) {
  StateStores stores;
  if (kind == "memory") {
    stores.subscribers = std::make_unique<MemorySubscriberStore>();
    stores.bindings = std::make_unique<MemoryBindingStore>();
    stores.guard = std::make_unique<MemoryGuardStore>();
    return stores;
  }
  const bool redis = config::is_redis_url(kind);
  if (kind != "sqlite" && !redis)
    return invalid("unknown state backend '" + std::string(kind) + "' (sqlite, memory, redis://host:port/db)");
  std::optional<config::RedisUrl> url;
  if (redis) {
    auto parsed = config::parse_redis_url(kind);
    if (!parsed.ok()) return parsed.status();
    url = std::move(parsed).value();
  }
  if (auto r = ensure_private_dir(data_dir); !r) return r.error();
  std::string path = database_path(data_dir);
  auto subscribers = SqliteSubscriberStore::open(path);
  if (!subscribers) return subscribers.error();
  if (redis) {
    auto client = RedisClient::connect(*url, metrics, events);
    if (!client) return client.error();
    stores.redis = std::shared_ptr<RedisClient>(std::move(client).value());
    stores.subscribers = std::make_unique<RedisSqnSubscriberStore>(std::move(subscribers).value(), stores.redis);
    stores.bindings = std::make_unique<RedisBindingStore>(stores.redis);
    stores.guard = std::make_unique<RedisGuardStore>(stores.redis);
    return stores;
  }
  auto bindings = SqliteBindingStore::open(path);
  if (!bindings) return bindings.error();
  auto guard = SqliteGuardStore::open(path);
  if (!guard) return guard.error();
  stores.subscribers = std::move(subscribers).value();
  stores.bindings = std::move(bindings).value();
  stores.guard = std::move(guard).value();
  return stores;
}

}  // namespace imsguard::store
