#include "ops/exposition.h"
#include "../support/test_telemetry.h"

#include "ops/counters.h"
#include "ops/gauges.h"
#include "ops/histogram.h"

#include <gtest/gtest.h>

namespace imsguard::ops {
namespace {

TEST(Exposition, GroupsInterleavedSeriesOfOneFamily) {
  test::Telemetry t;
  std::string out;
  append_families(out, "counter",
                  {{"a_total{x=\"1\"}", "", "1"}, {"b_total", "b help", "2"}, {"a_total{x=\"2\"}", "a help", "3"}});
  EXPECT_EQ(out,
            "# HELP a_total a help\n# TYPE a_total counter\na_total{x=\"1\"} 1\na_total{x=\"2\"} 3\n"
            "# HELP b_total b help\n# TYPE b_total counter\nb_total 2\n");
}

TEST(Exposition, NodeTextHoldsItsCountersGaugesAndHistograms) {
  test::Telemetry t;
  t.metrics.get("test_expo_total{k=\"v\"}", "a counter").inc(4);
  t.metrics.gauges().get("test_expo_open").set(2);
  t.metrics.histograms().get("test_expo_seconds", "a histogram", {0.5}).observe_seconds(0.25);
  std::string text = prometheus_text(t.metrics);
  EXPECT_NE(text.find("# TYPE test_expo_total counter\ntest_expo_total{k=\"v\"} 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE test_expo_open gauge\ntest_expo_open 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("test_expo_seconds_bucket{le=\"0.5\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("test_expo_seconds_sum 0.25\n"), std::string::npos) << text;
}

// Two registries (two nodes) print only what was moved in each.
TEST(Exposition, TwoRegistriesDoNotShareGaugesOrHistograms) {
  test::Telemetry a, b;
  a.metrics.gauges().get("test_expo_open").set(3);
  b.metrics.gauges().get("test_expo_open");
  a.metrics.histograms().get("test_expo_seconds", "a histogram", {0.5}).observe_seconds(0.25);
  b.metrics.histograms().get("test_expo_seconds", "a histogram", {0.5});
  std::string text_a = prometheus_text(a.metrics), text_b = prometheus_text(b.metrics);
  EXPECT_NE(text_a.find("\ntest_expo_open 3\n"), std::string::npos) << text_a;
  EXPECT_NE(text_b.find("\ntest_expo_open 0\n"), std::string::npos) << text_b;
  EXPECT_NE(text_a.find("\ntest_expo_seconds_count 1\n"), std::string::npos) << text_a;
  EXPECT_NE(text_b.find("\ntest_expo_seconds_count 0\n"), std::string::npos) << text_b;
}

}  // namespace
}  // namespace imsguard::ops
