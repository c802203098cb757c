#pragma once
// Named counters every module increments on its hot path and operators read (logs on
// shutdown, the metrics endpoint later). A counter is registered once and then is a plain
// relaxed atomic: no lock, no lookup, no allocation per increment.
#include "ops/gauges.h"
#include "ops/histogram.h"

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace imsguard::ops {

class Counter {
 public:
  void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// Owns the counters, and beside them the node's gauges and histograms: one per app::Node
// (the composition root, or `imsguard servicebox`), passed down to every role that counts,
// so two nodes (or two tests) in one process keep their own figures. There is no
// process-wide registry of any kind. The gauges and histograms live here, not in registries
// of their own passed apart, because the roles that move them (net::Server, also inside the
// service box's ServiceNode) already get this registry: one handle per node, no second
// constructor parameter to thread through. Names follow Prometheus conventions:
// "imsguard_sip_requests_total" with labels written into the name
// ("...{method=\"REGISTER\"}") by the caller.
class CounterRegistry {
 public:
  // Returns the counter with this name, creating it on first use. The reference stays valid
  // for the registry's lifetime (deque storage never moves elements).
  Counter& get(std::string_view name, std::string_view help = {});

  // Snapshot of (name, value) in registration order.
  std::vector<std::pair<std::string, uint64_t>> snapshot() const;

  // Prometheus text exposition format.
  std::string prometheus_text() const;
  // (name, help, value) in registration order, for an exposition that merges registries.
  struct Row {
    std::string name, help;
    uint64_t value = 0;
  };
  std::vector<Row> rows() const;

  // The node's gauges (open connections, sampled table sizes) and histograms (message
  // handling time); /metrics prints them after the counters (ops/exposition.h).
  GaugeRegistry& gauges() { return gauges_; }
  const GaugeRegistry& gauges() const { return gauges_; }
  HistogramRegistry& histograms() { return histograms_; }
  const HistogramRegistry& histograms() const { return histograms_; }

 private:
  struct Entry {
    std::string name;
    std::string help;
    Counter counter;
  };
  mutable std::mutex mutex_;
  std::deque<Entry> entries_;
  GaugeRegistry gauges_;
  HistogramRegistry histograms_;
};

}  // namespace imsguard::ops
