#include "ops/gauges.h"

#include "ops/exposition.h"
#include "ops/histogram.h"


namespace imsguard::ops {

SampledGauge& SampledGauge::operator=(SampledGauge&& o) noexcept {
  if (this != &o) {
    reset();
    registry_ = o.registry_;
    id_ = o.id_;
    o.registry_ = nullptr;
  }
  return *this;
}

void SampledGauge::reset() {
  if (registry_) registry_->remove(id_);
  registry_ = nullptr;
}

Gauge& GaugeRegistry::get(std::string_view name, std::string_view help) {
  std::lock_guard lock(mutex_);
  for (auto& e : entries_)
    if (e.name == name) return e.gauge;
  auto& e = entries_.emplace_back();
  e.name = std::string(name);
  e.help = std::string(help);
  return e.gauge;
}

SampledGauge GaugeRegistry::sample(std::string_view name, std::string_view help, std::function<double()> fn) {
  std::lock_guard lock(mutex_);
  uint64_t id = next_id_++;
  sampled_.push_back({id, std::string(name), std::string(help), std::move(fn)});
  return SampledGauge(this, id);
}

void GaugeRegistry::remove(uint64_t id) {
  std::lock_guard lock(mutex_);
  sampled_.remove_if([id](const Sampled& s) { return s.id == id; });
}

std::string GaugeRegistry::prometheus_text() const {
  std::vector<MetricRow> rows;
  {
    std::lock_guard lock(mutex_);
    for (const auto& e : entries_) rows.push_back({e.name, e.help, std::to_string(e.gauge.value())});
    for (const auto& s : sampled_) rows.push_back({s.name, s.help, format_metric_value(s.fn())});
  }
  std::string out;
  append_families(out, "gauge", rows);
  return out;
}

}  // namespace imsguard::ops
