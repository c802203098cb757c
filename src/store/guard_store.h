#pragma once
// GuardStateStore: the part of the defence chain's state that must outlive one process or be
// shared by several edges. Bans are kept so a restart does not lift them (SQLite) and so a ban
// made on edge A holds on edge B (Redis); lockouts and failure counters are shared so a brute
// force split across edges is counted once. An interface beside BindingStore/SubscriberStore
// because the guard module must not care which backend the config chose.
//
// All times here are wall-clock unix milliseconds: they cross process restarts and machines,
// unlike the guards' monotonic clock.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/result.h"

namespace imsguard::store {

struct BanRecord {
  std::string target;  // the prefix as text, e.g. "192.0.2.7/32", "2001:db8::/64"
  uint16_t port = 0;   // non-zero: a flow ban (address:port)
  std::string reason;
  std::string by;
  int64_t created_ms = 0;
  int64_t expires_ms = 0;
  bool automatic = true;

  bool operator==(const BanRecord&) const = default;
};

// A lockout every edge must apply: key is "impi:<impi>" or "src:<address>".
struct LockRecord {
  std::string key;
  int64_t until_ms = 0;
  bool operator==(const LockRecord&) const = default;
};

struct BanKey {
  std::string target;
  uint16_t port = 0;
  bool operator==(const BanKey&) const = default;
};

// What other processes changed since a cursor. `reset`: the cursor was empty, so `bans` and
// `locks` are every live entry rather than the changes since the cursor.
struct GuardChanges {
  bool reset = false;
  std::vector<BanRecord> bans;
  std::vector<BanKey> unbans;
  std::vector<LockRecord> locks;
};

// Thread-safe.
class GuardStateStore {
 public:
  virtual ~GuardStateStore() = default;

  // Inserts or replaces the ban (target, port). kInvalid if target is empty.
  virtual StoreResult<void> put_ban(const BanRecord& ban) = 0;
  // True if a ban was removed.
  virtual StoreResult<bool> remove_ban(std::string_view target, uint16_t port) = 0;
  // Bans with expires_ms > now_ms, ordered by created_ms.
  virtual StoreResult<std::vector<BanRecord>> live_bans(int64_t now_ms) = 0;
  // Deletes expired bans; returns how many.
  virtual StoreResult<std::size_t> purge_expired_bans(int64_t now_ms) = 0;

  // True when other processes share this state (Redis): then the calls below matter.
  virtual bool shared() const { return false; }
  // Changes made by other processes since `cursor` (opaque; "" at first, and the caller's way
  // to ask for everything again). Updates `cursor`. Local backends return nothing.
  virtual StoreResult<GuardChanges> changes(std::string& /*cursor*/, int64_t /*now_ms*/) { return GuardChanges{}; }
  // Adds one to the shared counter `key` for a window of `window_ms` (the window starts at
  // the first count) and returns the total. kUnavailable for local backends.
  virtual StoreResult<uint64_t> add_count(std::string_view /*key*/, int64_t /*window_ms*/) {
    return unavailable("no shared counters in this backend");
  }
  // Bumped each time the connection to the shared backend came back after an outage: what was
  // written locally meanwhile must be published again (and the backend may have restarted
  // empty). Always 0 for local backends.
  virtual uint64_t generation() const { return 0; }
  // Publishes a lockout to every process (local backends: nothing to do).
  virtual StoreResult<void> put_lock(const LockRecord& /*lock*/) { return {}; }
  // Records nonce-count use across processes: true if `nc` is higher than any nc recorded for
  // `nonce` (then recorded, kept for ttl_ms), false for a replay. kUnavailable when local.
  virtual StoreResult<bool> use_nonce_count(std::string_view /*nonce*/, uint32_t /*nc*/, int64_t /*ttl_ms*/) {
    return unavailable("no shared nonce counts in this backend");
  }
};

}  // namespace imsguard::store
