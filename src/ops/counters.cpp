#include "ops/counters.h"

#include "ops/exposition.h"

namespace imsguard::ops {

Counter& CounterRegistry::get(std::string_view name, std::string_view help) {
  std::lock_guard lock(mutex_);
  for (auto& e : entries_)
    if (e.name == name) return e.counter;
  auto& e = entries_.emplace_back();
  e.name = std::string(name);
  e.help = std::string(help);
  return e.counter;
}

std::vector<std::pair<std::string, uint64_t>> CounterRegistry::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::string, uint64_t>> out;
  out.reserve(entries_.size());
  for (const auto& e : entries_) out.emplace_back(e.name, e.counter.value());
  return out;
}

std::vector<CounterRegistry::Row> CounterRegistry::rows() const {
  std::lock_guard lock(mutex_);
  std::vector<Row> out;
  out.reserve(entries_.size());
  for (const auto& e : entries_) out.push_back({e.name, e.help, e.counter.value()});
  return out;
}

std::string CounterRegistry::prometheus_text() const {
  std::vector<MetricRow> rows;
  {
    std::lock_guard lock(mutex_);
    rows.reserve(entries_.size());
    for (const auto& e : entries_) rows.push_back({e.name, e.help, std::to_string(e.counter.value())});
  }
  std::string out;
  append_families(out, "counter", rows);
  return out;
}

}  // namespace imsguard::ops
