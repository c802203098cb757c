#pragma once
// The Prometheus text exposition of everything a node measures (counters, gauges,
// histograms), as served on GET /metrics. The text format wants every sample of a family
// in one group under one TYPE line; modules register labelled series in any order, so the
// writer groups them here.
#include "ops/counters.h"

#include <string>
#include <vector>

namespace imsguard::ops {

class CounterRegistry;

struct MetricRow {
  std::string name;  // "family{label=\"x\"}" or "family"
  std::string help;  // may be empty (the first non-empty help of a family is used)
  std::string value;
};

// Appends rows of one type ("counter", "gauge"), grouped by family in first-seen order.
void append_families(std::string& out, const char* type, const std::vector<MetricRow>& rows);

// The node's counters, then its gauges and histograms (all three owned by `counters`).
std::string prometheus_text(const CounterRegistry& counters);


}  // namespace imsguard::ops
