#include "ops/gauges.h"

#include <gtest/gtest.h>

#include <memory>

namespace imsguard::ops {
namespace {

TEST(Gauges, MoveBothWaysAndAppearAsGauges) {
  GaugeRegistry r;
  auto& g = r.get("test_open", "open things");
  g.add(3);
  g.sub();
  EXPECT_EQ(g.value(), 2);
  std::string text = r.prometheus_text();
  EXPECT_NE(text.find("# HELP test_open open things\n# TYPE test_open gauge\ntest_open 2\n"), std::string::npos) << text;
}

TEST(Gauges, SampledGaugeIsReadAtScrapeTimeAndGoneWithItsHandle) {
  GaugeRegistry r;
  auto value = std::make_shared<int>(7);
  {
    SampledGauge handle = r.sample("test_table_size", "entries", [value] { return static_cast<double>(*value); });
    EXPECT_NE(r.prometheus_text().find("test_table_size 7\n"), std::string::npos);
    *value = 9;
    EXPECT_NE(r.prometheus_text().find("test_table_size 9\n"), std::string::npos);
    SampledGauge moved = std::move(handle);  // the moved-from handle must not unregister it
    handle.reset();
    EXPECT_NE(r.prometheus_text().find("test_table_size 9\n"), std::string::npos);
  }
  EXPECT_EQ(r.prometheus_text().find("test_table_size"), std::string::npos);
}

}  // namespace
}  // namespace imsguard::ops
