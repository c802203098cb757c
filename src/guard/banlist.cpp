#include "guard/banlist.h"

#include <algorithm>
#include <mutex>

namespace imsguard::guard {

std::string BanInfo::to_string(int64_t now_ms) const {
  std::string s = prefix.to_string();
  if (port) s = (prefix.address.v4 ? s : "[" + s + "]") + ":" + std::to_string(port);
  s += " ttl=" + std::to_string(std::max<int64_t>(0, (expires_ms - now_ms + 999) / 1000)) + "s";
  s += " hits=" + std::to_string(hits);
  s += " by=" + by;
  s += " reason=\"" + reason + "\"";
  return s;
}

BanList::BanList(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) { entries_.reserve(capacity_); }

bool BanList::ban(const Prefix& prefix, uint16_t port, uint32_t ttl_s, std::string_view reason, std::string_view by,
                  bool automatic, int64_t now_ms) {
  BanObserver* observer = observer_.load(std::memory_order_acquire);
  BanInfo info;
  bool fresh = upsert(prefix, port, now_ms + static_cast<int64_t>(ttl_s) * 1000, reason, by, automatic, now_ms,
                      observer ? &info : nullptr);
  if (observer) observer->on_ban(info);
  return fresh;
}

bool BanList::apply(const Prefix& prefix, uint16_t port, int64_t expires_ms, std::string_view reason,
                    std::string_view by, bool automatic, int64_t now_ms) {
  if (expires_ms <= now_ms) return false;
  return upsert(prefix, port, expires_ms, reason, by, automatic, now_ms, nullptr);
}

bool BanList::upsert(const Prefix& prefix, uint16_t port, int64_t expires, std::string_view reason,
                     std::string_view by, bool automatic, int64_t now_ms, BanInfo* out) {
  std::unique_lock lock(mutex_);
  Key key{prefix, port};
  auto fill = [&](const Entry& e) {
    if (out) *out = {prefix, port, e.reason, e.by, e.created_ms, e.expires_ms, e.hits.load(), e.automatic};
  };
  if (auto it = entries_.find(key); it != entries_.end()) {
    bool was_live = it->second.expires_ms > now_ms;
    it->second.expires_ms = std::max(it->second.expires_ms, expires);
    it->second.reason = std::string(reason);
    it->second.by = std::string(by);
    it->second.automatic = it->second.automatic && automatic && was_live;
    if (!was_live) {
      it->second.created_ms = now_ms;
      it->second.expires_ms = expires;
      it->second.automatic = automatic;
    }
    fill(it->second);
    return !was_live;
  }
  // Sweeping is O(size): at most once a second, so a mass ban stays O(1) per ban.
  if (entries_.size() >= capacity_ && now_ms - last_sweep_ms_ >= 1000) sweep_locked(now_ms);
  if (entries_.size() >= capacity_) {
    // Full of live bans (a mass ban under a spoofed flood): an automatic ban from the first
    // few in hash order (effectively random, O(1)) makes room; operators' bans are kept.
    auto victim = entries_.begin();
    auto it = victim;
    for (int i = 0; i < 16 && it != entries_.end(); ++i, ++it) {
      if (it->second.automatic) {
        victim = it;
        break;
      }
    }
    lengths_[victim->first.prefix.bits]--;
    entries_.erase(victim);
  }
  auto [it, inserted] = entries_.try_emplace(key);
  it->second.reason = std::string(reason);
  it->second.by = std::string(by);
  it->second.created_ms = now_ms;
  it->second.expires_ms = expires;
  it->second.automatic = automatic;
  lengths_[prefix.bits]++;
  count_.store(entries_.size(), std::memory_order_relaxed);
  fill(it->second);
  return inserted;
}

bool BanList::remove(const Prefix& prefix, uint16_t port) {
  bool removed = erase(prefix, port);
  // Told even when nothing was here: the ban may exist in the store (made by another edge,
  // or before a restart that has not loaded it yet).
  if (BanObserver* observer = observer_.load(std::memory_order_acquire)) observer->on_unban(prefix, port);
  return removed;
}

bool BanList::apply_removal(const Prefix& prefix, uint16_t port) { return erase(prefix, port); }

bool BanList::erase(const Prefix& prefix, uint16_t port) {
  std::unique_lock lock(mutex_);
  auto it = entries_.find(Key{prefix, port});
  if (it == entries_.end()) return false;
  lengths_[prefix.bits]--;
  entries_.erase(it);
  count_.store(entries_.size(), std::memory_order_relaxed);
  return true;
}

void BanList::sweep_locked(int64_t now_ms) {
  last_sweep_ms_ = now_ms;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.expires_ms <= now_ms) {
      lengths_[it->first.prefix.bits]--;
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  count_.store(entries_.size(), std::memory_order_relaxed);
}

bool BanList::check(const Key& key, bool registered, int64_t now_ms, bool count_hit) const {
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.expires_ms <= now_ms) return false;
  // An automatic ban of a whole address or prefix spares authenticated flows behind it.
  if (registered && it->second.automatic && key.port == 0) return false;
  if (count_hit) it->second.hits.fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool BanList::banned(const Address& address, uint16_t port, bool registered, int64_t now_ms, bool count_hit) {
  if (count_.load(std::memory_order_relaxed) == 0) return false;
  std::shared_lock lock(mutex_);
  if (lengths_[128] && check(Key{Prefix{address, 128}, port}, registered, now_ms, count_hit)) return true;
  for (unsigned bits = 128;; --bits) {
    if (lengths_[bits] && check(Key{Prefix{address.masked(bits), bits}, 0}, registered, now_ms, count_hit)) return true;
    if (bits == 0) break;
  }
  return false;
}

std::vector<BanInfo> BanList::list(int64_t now_ms) {
  std::unique_lock lock(mutex_);
  sweep_locked(now_ms);
  std::vector<BanInfo> out;
  out.reserve(entries_.size());
  for (const auto& [key, e] : entries_)
    out.push_back({key.prefix, key.port, e.reason, e.by, e.created_ms, e.expires_ms, e.hits.load(), e.automatic});
  std::sort(out.begin(), out.end(), [](const BanInfo& a, const BanInfo& b) { return a.created_ms < b.created_ms; });
  return out;
}

size_t BanList::size() const {
  std::shared_lock lock(mutex_);
  return entries_.size();
}

size_t BanList::memory_bytes() const {
  std::shared_lock lock(mutex_);
  // Nodes (key, entry, two short strings, list pointers) plus the bucket array.
  return entries_.bucket_count() * sizeof(void*) + entries_.size() * (sizeof(Key) + sizeof(Entry) + 64);
}

BanlistGuard::BanlistGuard(BanList& bans, ops::CounterRegistry& metrics)
    : bans_(bans), dropped_(metrics.get("imsguard_guard_dropped_total{guard=\"banlist\"}", "messages dropped by guard")) {}

Verdict BanlistGuard::on_raw(const Context& ctx, std::string_view) {
  if (ctx.allowlisted) return Verdict::pass();
  if (!bans_.banned(ctx.address, ctx.flow.port, ctx.registered, ctx.now_ms)) return Verdict::pass();
  dropped_.inc();
  return Verdict::drop("banlist", "banned source");
}

}  // namespace imsguard::guard
