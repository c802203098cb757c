#pragma once
// In-process BindingStore for tests and `state: memory`: same contract as the SQLite backend,
// with a flow index so the per-request "is this the registered flow?" check does not scan.
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "store/binding_store.h"

namespace imsguard::store {

class MemoryBindingStore final : public BindingStore {
 public:
  StoreResult<void> upsert(const Binding& b) override;
  StoreResult<bool> remove(std::string_view aor, std::string_view contact) override;
  StoreResult<std::size_t> remove_all(std::string_view aor) override;
  StoreResult<std::vector<Binding>> lookup(std::string_view aor, int64_t now) override;
  StoreResult<std::vector<Binding>> find_by_flow(std::string_view transport, std::string_view source,
                                                 std::string_view flow_id, int64_t now) override;
  StoreResult<std::size_t> purge_expired(int64_t now) override;
  StoreResult<std::vector<Binding>> list(int64_t now) override;

 private:
  using Key = std::pair<std::string, std::string>;                     // (aor, contact)
  using FlowKey = std::tuple<std::string, std::string, std::string>;  // (transport, source, flow)
  static FlowKey flow_of(const Binding& b) { return {b.transport, b.source, b.flow_id}; }
  void erase_locked(std::map<Key, Binding>::iterator it);

  std::mutex mu_;
  std::map<Key, Binding> bindings_;
  std::map<FlowKey, std::set<Key>> by_flow_;
};

}  // namespace imsguard::store
