#pragma once
// A test's own counter registry and security event sink: what app::Node owns in a running
// process and passes to every role. Each test builds its own, so counters start from zero
// (a test can assert exact values) and events go nowhere unless the test opens the sink.
#include "ops/counters.h"
#include "ops/events.h"

namespace imsguard::test {

struct Telemetry {
  ops::CounterRegistry metrics;
  ops::EventSink events;

  // The current value of a counter of this registry (0 when nothing registered it).
  uint64_t value(std::string_view name) {
    for (const auto& [n, v] : metrics.snapshot())
      if (n == name) return v;
    return 0;
  }
};

}  // namespace imsguard::test
