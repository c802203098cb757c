#pragma once
// The ban table every guard bans into and the banlist guard enforces: addresses, prefixes
// and single flows (address + port), each with a TTL, the reason it was banned for, who
// banned it and how many messages it has dropped since. Bounded: at capacity expired bans
// are swept and then an automatic ban makes room (the flood guard re-bans a source that
// keeps flooding). Automatic bans of an address or prefix do not cut off flows
// that authenticated (phones behind an abusive neighbour's NAT); a flow ban or an operator's
// ban does.
#include "guard/guard.h"
#include "guard/source.h"
#include "ops/counters.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace imsguard::guard {

struct BanInfo {
  Prefix prefix;
  uint16_t port = 0;  // non-zero: only this flow (address:port)
  std::string reason;
  std::string by;     // guard name or "admin"
  int64_t created_ms = 0;
  int64_t expires_ms = 0;
  uint64_t hits = 0;  // messages dropped because of this ban
  bool automatic = true;
  std::string to_string(int64_t now_ms) const;  // one line, for `imsguard ban list`
};

// Told of every ban made or lifted through this process's BanList (not of bans applied from
// shared state, nor of expiry): how bans reach the persistent or shared state store (see
// guard/state_sync.h). Called outside the table's lock; must be quick and must not call back.
class BanObserver {
 public:
  virtual ~BanObserver() = default;
  virtual void on_ban(const BanInfo& ban) = 0;
  virtual void on_unban(const Prefix& prefix, uint16_t port) = 0;
};

class BanList {
 public:
  explicit BanList(size_t capacity = 65536);

  // At most one observer; nullptr detaches. The observer must outlive its registration.
  void set_observer(BanObserver* observer) { observer_.store(observer, std::memory_order_release); }
  // A ban that came from the state store (a restart, another edge): added or extended like
  // ban() but without telling the observer, so it is not written back. Its hits start at 0.
  bool apply(const Prefix& prefix, uint16_t port, int64_t expires_ms, std::string_view reason, std::string_view by,
             bool automatic, int64_t now_ms);
  // Lifts a ban without telling the observer (another edge lifted it).
  bool apply_removal(const Prefix& prefix, uint16_t port);

  // Adds or extends a ban (a longer TTL wins; the reason is replaced). Returns true when
  // the ban is new (the caller emits the event once, not for every extension).
  bool ban(const Prefix& prefix, uint16_t port, uint32_t ttl_s, std::string_view reason, std::string_view by,
           bool automatic, int64_t now_ms);
  bool remove(const Prefix& prefix, uint16_t port = 0);
  // The ban that covers this source now, if any; counts a hit on it.
  bool banned(const Address& address, uint16_t port, bool registered, int64_t now_ms, bool count_hit = true);
  std::vector<BanInfo> list(int64_t now_ms);
  size_t size() const;
  size_t capacity() const { return capacity_; }
  size_t memory_bytes() const;

 private:
  struct Key {
    Prefix prefix;
    uint16_t port = 0;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const { return hash_prefix(k.prefix) ^ (static_cast<uint64_t>(k.port) * 0x9e37); }
  };
  struct Entry {
    std::string reason, by;
    int64_t created_ms = 0;
    int64_t expires_ms = 0;
    bool automatic = true;
    mutable std::atomic<uint64_t> hits{0};
  };
  bool check(const Key& key, bool registered, int64_t now_ms, bool count_hit) const;
  void sweep_locked(int64_t now_ms);
  // ban() and apply(): expires_ms absolute. Fills `out` with the entry as it stands.
  bool upsert(const Prefix& prefix, uint16_t port, int64_t expires_ms, std::string_view reason, std::string_view by,
              bool automatic, int64_t now_ms, BanInfo* out);
  bool erase(const Prefix& prefix, uint16_t port);

  size_t capacity_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<Key, Entry, KeyHash> entries_;
  std::array<uint32_t, 129> lengths_{};  // how many bans of each prefix length
  std::atomic<size_t> count_{0};
  int64_t last_sweep_ms_ = INT64_MIN / 2;
  std::atomic<BanObserver*> observer_{nullptr};
};

// The guard that enforces the table (first in the default order: a banned source costs
// one hash lookup and nothing else).
class BanlistGuard final : public Guard {
 public:
  // `metrics`: the node's registry (guard::ChainDeps).
  BanlistGuard(BanList& bans, ops::CounterRegistry& metrics);
  std::string_view name() const override { return "banlist"; }
  Verdict on_raw(const Context& ctx, std::string_view bytes) override;
  size_t memory_bytes() const override { return bans_.memory_bytes(); }

 private:
  BanList& bans_;
  ops::Counter& dropped_;
};

}  // namespace imsguard::guard
