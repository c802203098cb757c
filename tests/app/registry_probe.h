#pragma once
// Reading one counter of a node's registry by name, for the tests that compare two nodes.
#include "ops/counters.h"

#include <cstdint>
#include <string_view>

namespace imsguard::app::registry_probe {

// The counter's value, or 0 when it is not registered.
inline uint64_t value(ops::CounterRegistry& r, std::string_view name) {
  for (const auto& [n, v] : r.snapshot())
    if (n == name) return v;
  return 0;
}

inline bool registered(ops::CounterRegistry& r, std::string_view name) {
  for (const auto& [n, v] : r.snapshot())
    if (n == name) return true;
  return false;
}

}  // namespace imsguard::app::registry_probe
