#include "store/memory_binding_store.h"

namespace imsguard::store {

void MemoryBindingStore::index_flow_locked(const Key& key, const Binding& b) {
  auto flow = by_flow_.find(flow_of(b));
  if (flow == by_flow_.end()) flow = by_flow_.emplace(FlowKey{b.transport, b.source, b.flow_id}, std::set<Key, KeyLess>{}).first;
  flow->second.insert(key);
}

void MemoryBindingStore::unindex_flow_locked(const Key& key, const Binding& b) {
  auto flow = by_flow_.find(flow_of(b));
  if (flow == by_flow_.end()) return;
  flow->second.erase(key);
  if (flow->second.empty()) by_flow_.erase(flow);
}

void MemoryBindingStore::erase_locked(Bindings::iterator it) {
  unindex_flow_locked(it->first, it->second);
  bindings_.erase(it);
}

StoreResult<void> MemoryBindingStore::upsert(const Binding& b) {
  if (b.aor.empty() || b.contact.empty()) return invalid("binding needs an AoR and a contact");
  std::lock_guard lock(mu_);
  if (auto it = bindings_.find(KeyView{b.aor, b.contact}); it != bindings_.end()) {
    // A refresh: the fields are assigned in place (their buffers are reused) and the flow
    // index moves only when the client came back over another flow.
    bool same_flow = flow_of(it->second) == flow_of(b);
    if (!same_flow) unindex_flow_locked(it->first, it->second);
    it->second = b;
    if (!same_flow) index_flow_locked(it->first, b);
    return {};
  }
  auto inserted = bindings_.emplace(Key{b.aor, b.contact}, b).first;
  index_flow_locked(inserted->first, b);
  return {};
}

StoreResult<bool> MemoryBindingStore::remove(std::string_view aor, std::string_view contact) {
  std::lock_guard lock(mu_);
  auto it = bindings_.find(KeyView{aor, contact});
  if (it == bindings_.end()) return false;
  erase_locked(it);
  return true;
}

StoreResult<std::size_t> MemoryBindingStore::remove_all(std::string_view aor) {
  std::lock_guard lock(mu_);
  std::size_t removed = 0;
  auto it = bindings_.lower_bound(KeyView{aor, std::string_view()});
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
  for (auto it = bindings_.lower_bound(KeyView{aor, std::string_view()});
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
  auto flow = by_flow_.find(FlowView{transport, source, flow_id});
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

StoreResult<std::size_t> MemoryBindingStore::purge_expired_of(std::string_view aor, int64_t now) {
  std::lock_guard lock(mu_);
  std::size_t removed = 0;
  auto it = bindings_.lower_bound(KeyView{aor, std::string_view()});
  while (it != bindings_.end() && it->first.first == aor) {
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
