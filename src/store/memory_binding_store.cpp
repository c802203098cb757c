#include "store/memory_binding_store.h"

namespace imsguard::store {

void MemoryBindingStore::erase_locked(std::map<Key, Binding>::iterator it) {
  auto flow = by_flow_.find(flow_of(it->second));
  if (flow != by_flow_.end()) {
    flow->second.erase(it->first);
    if (flow->second.empty()) by_flow_.erase(flow);
  }
  bindings_.erase(it);
}

StoreResult<void> MemoryBindingStore::upsert(const Binding& b) {
  if (b.aor.empty() || b.contact.empty()) return invalid("binding needs an AoR and a contact");
  std::lock_guard lock(mu_);
  Key key{b.aor, b.contact};
  if (auto it = bindings_.find(key); it != bindings_.end()) erase_locked(it);
  bindings_.emplace(key, b);
  by_flow_[flow_of(b)].insert(std::move(key));
  return {};
}

StoreResult<bool> MemoryBindingStore::remove(std::string_view aor, std::string_view contact) {
  std::lock_guard lock(mu_);
  auto it = bindings_.find(Key{std::string(aor), std::string(contact)});
  if (it == bindings_.end()) return false;
  erase_locked(it);
  return true;
}

StoreResult<std::size_t> MemoryBindingStore::remove_all(std::string_view aor) {
  std::lock_guard lock(mu_);
  std::size_t removed = 0;
  auto it = bindings_.lower_bound(Key{std::string(aor), std::string()});
  while (it != bindings_.end() && it->first.first == aor) {
    auto next = std::next(it);
    erase_locked(it);
    it = next;
    ++removed;
  }
  return removed;
}

StoreResult<std::vector<Binding>> MemoryBindingStore::lookup(std::string_view aor, int64_t now) {
  std::lock_guard lock(mu_);
  std::vector<Binding> out;
  for (auto it = bindings_.lower_bound(Key{std::string(aor), std::string()});
       it != bindings_.end() && it->first.first == aor; ++it) {
    if (it->second.expires_at > now) out.push_back(it->second);
  }
  return out;
}

StoreResult<std::vector<Binding>> MemoryBindingStore::find_by_flow(std::string_view transport,
                                                                   std::string_view source,
                                                                   std::string_view flow_id,
                                                                   int64_t now) {
  std::lock_guard lock(mu_);
  std::vector<Binding> out;
  auto flow = by_flow_.find(FlowKey{std::string(transport), std::string(source), std::string(flow_id)});
  if (flow == by_flow_.end()) return out;
  for (const auto& key : flow->second) {
    const Binding& b = bindings_.at(key);
    if (b.expires_at > now) out.push_back(b);
  }
  return out;
}

StoreResult<std::size_t> MemoryBindingStore::purge_expired(int64_t now) {
  std::lock_guard lock(mu_);
  std::size_t removed = 0;
  for (auto it = bindings_.begin(); it != bindings_.end();) {
    auto next = std::next(it);
    if (it->second.expires_at <= now) {
      erase_locked(it);
      ++removed;
    }
    it = next;
  }
  return removed;
}

StoreResult<std::vector<Binding>> MemoryBindingStore::list(int64_t now) {
  std::lock_guard lock(mu_);
  std::vector<Binding> out;
  for (const auto& [key, b] : bindings_) {
    if (b.expires_at > now) out.push_back(b);
  }
  return out;
}

}  // namespace imsguard::store
