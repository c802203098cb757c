#pragma once
// In-process BindingStore for tests and `state: memory`: same contract as the SQLite backend,
// with a flow index so the per-request "is this the registered flow?" check does not scan.
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
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
  StoreResult<std::size_t> purge_expired_of(std::string_view aor, int64_t now) override;
  StoreResult<std::vector<Binding>> list(int64_t now) override;

 private:
  using Key = std::pair<std::string, std::string>;                     // (aor, contact)
  using FlowKey = std::tuple<std::string, std::string, std::string>;  // (transport, source, flow)
  // Both indexes are searched with views of the request's fields: a re-registration (the
  // common write) finds its binding and flow without building key strings.
  struct KeyLess {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      int c = std::string_view(a.first).compare(std::string_view(b.first));
      return c != 0 ? c < 0 : std::string_view(a.second) < std::string_view(b.second);
    }
  };
  struct FlowLess {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      if (int c = std::string_view(std::get<0>(a)).compare(std::string_view(std::get<0>(b))); c != 0) return c < 0;
      if (int c = std::string_view(std::get<1>(a)).compare(std::string_view(std::get<1>(b))); c != 0) return c < 0;
      return std::string_view(std::get<2>(a)) < std::string_view(std::get<2>(b));
    }
  };
  using KeyView = std::pair<std::string_view, std::string_view>;
  using FlowView = std::tuple<std::string_view, std::string_view, std::string_view>;
  using Bindings = std::map<Key, Binding, KeyLess>;
  static FlowView flow_of(const Binding& b) { return {b.transport, b.source, b.flow_id}; }
  void erase_locked(Bindings::iterator it);
  void index_flow_locked(const Key& key, const Binding& b);
  void unindex_flow_locked(const Key& key, const Binding& b);

  std::mutex mu_;
  Bindings bindings_;
  std::map<FlowKey, std::set<Key, KeyLess>, FlowLess> by_flow_;
};

}  // namespace imsguard::store
