#include "store/memory_subscriber_store.h"

#include <set>

namespace imsguard::store {
namespace {

const std::string* find_owner(const std::map<std::string, std::string, std::less<>>& impus,
                              std::string_view impu) {
  auto it = impus.find(impu);
  return it == impus.end() ? nullptr : &it->second;
}

}  // namespace

StoreResult<std::optional<Subscriber>> MemorySubscriberStore::find(std::string_view impi) {
  std::lock_guard lock(mu_);
  auto it = by_impi_.find(impi);
  if (it == by_impi_.end()) return std::optional<Subscriber>();
  return std::optional<Subscriber>(it->second);
}

StoreResult<std::optional<Subscriber>> MemorySubscriberStore::find_by_impu(std::string_view impu) {
  std::lock_guard lock(mu_);
  auto it = impi_of_impu_.find(impu);
  if (it == impi_of_impu_.end()) return std::optional<Subscriber>();
  return std::optional<Subscriber>(by_impi_.at(it->second));
}

StoreResult<void> MemorySubscriberStore::check_new(
    const Subscriber& s, const std::map<std::string, std::string, std::less<>>& pending_impus) const {
  if (auto e = validate_subscriber(s)) return invalid("subscriber '" + s.impi + "': " + *e);
  if (by_impi_.count(s.impi) != 0) return conflict("IMPI '" + s.impi + "' already exists");
  for (const auto& impu : s.impus) {
    const auto* owner = find_owner(impi_of_impu_, impu);
    if (owner == nullptr) owner = find_owner(pending_impus, impu);
    if (owner != nullptr) return conflict("IMPU '" + impu + "' already belongs to '" + *owner + "'");
  }
  return {};
}

void MemorySubscriberStore::insert(const Subscriber& s) {
  by_impi_[s.impi] = s;
  for (const auto& impu : s.impus) impi_of_impu_[impu] = s.impi;
}

StoreResult<void> MemorySubscriberStore::add(const Subscriber& s) {
  std::lock_guard lock(mu_);
  if (auto r = check_new(s, {}); !r) return r;
  insert(s);
  ++changes_;
  return {};
}

StoreResult<void> MemorySubscriberStore::add_all(const std::vector<Subscriber>& subscribers) {
  std::lock_guard lock(mu_);
  std::set<std::string_view> impis;
  std::map<std::string, std::string, std::less<>> pending_impus;
  for (const auto& s : subscribers) {
    if (auto r = check_new(s, pending_impus); !r) return r;
    if (!impis.insert(s.impi).second) return conflict("IMPI '" + s.impi + "' already exists");
    for (const auto& impu : s.impus) pending_impus.emplace(impu, s.impi);
  }
  for (const auto& s : subscribers) insert(s);
  ++changes_;
  return {};
}

StoreResult<void> MemorySubscriberStore::update(const Subscriber& s) {
  std::lock_guard lock(mu_);
  if (auto e = validate_subscriber(s)) return invalid("subscriber '" + s.impi + "': " + *e);
  auto it = by_impi_.find(s.impi);
  if (it == by_impi_.end()) return not_found("no subscriber with IMPI '" + s.impi + "'");
  for (const auto& impu : s.impus) {
    auto owner = impi_of_impu_.find(impu);
    if (owner != impi_of_impu_.end() && owner->second != s.impi) {
      return conflict("IMPU '" + impu + "' already belongs to '" + owner->second + "'");
    }
  }
  for (const auto& impu : it->second.impus) impi_of_impu_.erase(impu);
  Subscriber updated = s;
  updated.sqn = it->second.sqn;
  it->second = updated;
  for (const auto& impu : updated.impus) impi_of_impu_[impu] = updated.impi;
  ++changes_;
  return {};
}

StoreResult<void> MemorySubscriberStore::remove(std::string_view impi) {
  std::lock_guard lock(mu_);
  auto it = by_impi_.find(impi);
  if (it == by_impi_.end()) return not_found("no subscriber with IMPI '" + std::string(impi) + "'");
  for (const auto& impu : it->second.impus) impi_of_impu_.erase(impu);
  by_impi_.erase(it);
  ++changes_;
  return {};
}

StoreResult<void> MemorySubscriberStore::set_barred(std::string_view impi, bool barred) {
  std::lock_guard lock(mu_);
  auto it = by_impi_.find(impi);
  if (it == by_impi_.end()) return not_found("no subscriber with IMPI '" + std::string(impi) + "'");
  it->second.barred = barred;
  ++changes_;
  return {};
}

StoreResult<std::vector<Subscriber>> MemorySubscriberStore::list(std::size_t offset, std::size_t limit) {
  std::lock_guard lock(mu_);
  std::vector<Subscriber> out;
  std::size_t index = 0;
  for (const auto& [impi, s] : by_impi_) {
    if (out.size() >= limit) break;
    if (index++ < offset) continue;
    out.push_back(s);
  }
  return out;
}

StoreResult<std::size_t> MemorySubscriberStore::count() {
  std::lock_guard lock(mu_);
  return by_impi_.size();
}

StoreResult<uint64_t> MemorySubscriberStore::reserve_sqn(std::string_view impi, const SqnAdvance& next) {
  std::lock_guard lock(mu_);
  auto it = by_impi_.find(impi);
  if (it == by_impi_.end()) return not_found("no subscriber with IMPI '" + std::string(impi) + "'");
  uint64_t current = it->second.sqn;
  uint64_t candidate = next(current);
  if (candidate <= current || candidate > kMaxSqn) {
    return invalid("SQN advance from " + std::to_string(current) + " to " + std::to_string(candidate) +
                   " does not move forward within 48 bits");
  }
  it->second.sqn = candidate;
  return candidate;
}

StoreResult<void> MemorySubscriberStore::set_sqn(std::string_view impi, uint64_t sqn) {
  std::lock_guard lock(mu_);
  if (sqn > kMaxSqn) return invalid("SQN does not fit in 48 bits");
  auto it = by_impi_.find(impi);
  if (it == by_impi_.end()) return not_found("no subscriber with IMPI '" + std::string(impi) + "'");
  it->second.sqn = sqn;
  return {};
}

StoreResult<uint64_t> MemorySubscriberStore::change_stamp() {
  std::lock_guard lock(mu_);
  return changes_;
}

}  // namespace imsguard::store
