#include "ops/exposition.h"

#include "ops/counters.h"
#include "ops/gauges.h"
#include "ops/histogram.h"

#include <map>

namespace imsguard::ops {

void append_families(std::string& out, const char* type, const std::vector<MetricRow>& rows) {
  std::vector<std::string> order;
  std::map<std::string, std::pair<std::string, std::vector<const MetricRow*>>> families;
  for (const auto& r : rows) {
    std::string family = r.name.substr(0, r.name.find('{'));
    auto [it, added] = families.try_emplace(family);
    if (added) order.push_back(family);
    if (it->second.first.empty()) it->second.first = r.help;
    it->second.second.push_back(&r);
  }
  for (const auto& family : order) {
    const auto& [help, members] = families[family];
    if (!help.empty()) out += "# HELP " + family + " " + help + "\n";
    out += "# TYPE " + family + " " + type + "\n";
    for (const auto* r : members) out += r->name + " " + r->value + "\n";
  }
}

std::string prometheus_text(const CounterRegistry& node) {
  std::vector<MetricRow> rows;
  for (auto& r : node.rows()) rows.push_back({std::move(r.name), std::move(r.help), std::to_string(r.value)});
  std::string out;
  append_families(out, "counter", rows);
  out += node.gauges().prometheus_text();
  out += node.histograms().prometheus_text();
  return out;
}

}  // namespace imsguard::ops
