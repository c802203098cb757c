#include "ops/histogram.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

namespace imsguard::ops {

Histogram::Histogram(std::vector<double> bounds_s) : bounds_s_(std::move(bounds_s)) {
  std::sort(bounds_s_.begin(), bounds_s_.end());
  bounds_s_.erase(std::unique(bounds_s_.begin(), bounds_s_.end()), bounds_s_.end());
  if (bounds_s_.size() > kMaxBuckets) bounds_s_.resize(kMaxBuckets);
  for (double b : bounds_s_) bounds_ns_.push_back(b <= 0 ? 0 : static_cast<uint64_t>(b * 1e9 + 0.5));
}

void Histogram::observe_ns(uint64_t ns) {
  // Few bounds: a linear scan beats a binary search and stays branch-predictable.
  size_t i = 0;
  while (i < bounds_ns_.size() && ns > bounds_ns_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(ns, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.bounds_s = bounds_s_;
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_ns_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.count = running;
  s.sum_s = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
  return s;
}

std::vector<double> message_latency_buckets() {
  return {25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 500e-3, 1.0, 2.5};
}

std::string format_metric_value(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

Histogram& HistogramRegistry::get(std::string_view name, std::string_view help, std::vector<double> bounds_s) {
  std::lock_guard lock(mutex_);
  for (auto& e : entries_)
    if (e.name == name) return e.histogram;
  return entries_.emplace_back(std::string(name), std::string(help), std::move(bounds_s)).histogram;
}

namespace {

// "family{a=\"b\"}" -> family and the label text inside the braces ("" without labels).
void split_name(const std::string& name, std::string& family, std::string& labels) {
  size_t brace = name.find('{');
  family = name.substr(0, brace);
  labels.clear();
  if (brace != std::string::npos && name.size() > brace + 1 && name.back() == '}')
    labels = name.substr(brace + 1, name.size() - brace - 2);
}

std::string with_labels(const std::string& family, const std::string& suffix, const std::string& labels,
                        const std::string& extra) {
  std::string all = labels;
  if (!extra.empty()) all += (all.empty() ? "" : ",") + extra;
  return family + suffix + (all.empty() ? "" : "{" + all + "}");
}

}  // namespace

std::string HistogramRegistry::prometheus_text() const {
  std::lock_guard lock(mutex_);
  std::string out;
  // Group the series of one family under one TYPE line, families in first-seen order.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const Entry*>> families;
  for (const auto& e : entries_) {
    std::string family = e.name.substr(0, e.name.find('{'));
    auto [it, added] = families.try_emplace(family);
    if (added) order.push_back(family);
    it->second.push_back(&e);
  }
  std::set<std::string> described;
  for (const auto& name : order)
  for (const Entry* entry : families[name]) {
    const Entry& e = *entry;
    std::string family, labels;
    split_name(e.name, family, labels);
    if (described.insert(family).second) {
      if (!e.help.empty()) out += "# HELP " + family + " " + e.help + "\n";
      out += "# TYPE " + family + " histogram\n";
    }
    auto s = e.histogram.snapshot();
    for (size_t i = 0; i < s.bounds_s.size(); ++i)
      out += with_labels(family, "_bucket", labels, "le=\"" + format_metric_value(s.bounds_s[i]) + "\"") + " " +
             std::to_string(s.cumulative[i]) + "\n";
    out += with_labels(family, "_bucket", labels, "le=\"+Inf\"") + " " + std::to_string(s.count) + "\n";
    out += with_labels(family, "_sum", labels, "") + " " + format_metric_value(s.sum_s) + "\n";
    out += with_labels(family, "_count", labels, "") + " " + std::to_string(s.count) + "\n";
  }
  return out;
}

}  // namespace imsguard::ops
