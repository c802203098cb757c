#include "ops/histogram.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace imsguard::ops {
namespace {

TEST(Histogram, CountsEachObservationInTheFirstBucketThatHoldsIt) {
  Histogram h({0.001, 0.01, 0.1});
  h.observe_ns(500'000);      // 0.5 ms -> le 0.001
  h.observe_ns(1'000'000);    // exactly 1 ms -> le 0.001 (bounds are inclusive)
  h.observe_ns(5'000'000);    // 5 ms -> le 0.01
  h.observe_ns(2'000'000'000);  // 2 s -> +Inf only
  auto s = h.snapshot();
  ASSERT_EQ(s.cumulative.size(), 4u);
  EXPECT_EQ(s.cumulative[0], 2u);
  EXPECT_EQ(s.cumulative[1], 3u);
  EXPECT_EQ(s.cumulative[2], 3u);
  EXPECT_EQ(s.cumulative[3], 4u);
  EXPECT_EQ(s.count, 4u);
  EXPECT_NEAR(s.sum_s, 2.0065, 1e-9);
}

TEST(Histogram, SortsAndDeduplicatesBounds) {
  Histogram h({0.1, 0.01, 0.1});
  ASSERT_EQ(h.bounds().size(), 2u);
  EXPECT_DOUBLE_EQ(h.bounds()[0], 0.01);
  EXPECT_DOUBLE_EQ(h.bounds()[1], 0.1);
}

TEST(Histogram, ConcurrentObserversLoseNothing) {
  Histogram h(message_latency_buckets());
  constexpr int kThreads = 4, kEach = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&h, t] {
      for (int i = 0; i < kEach; ++i) h.observe_ns(static_cast<uint64_t>((i % 100) * 10'000 + t));
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(h.snapshot().count, static_cast<uint64_t>(kThreads * kEach));
}

TEST(HistogramRegistry, WritesPrometheusHistogramLinesWithLabelsMerged) {
  HistogramRegistry r;
  auto& udp = r.get("test_latency_seconds{transport=\"udp\"}", "latency", {0.001, 0.01});
  r.get("test_other_seconds", "other", {1.0});
  auto& tcp = r.get("test_latency_seconds{transport=\"tcp\"}", "", {0.001, 0.01});
  udp.observe_ns(2'000'000);
  tcp.observe_ns(100);
  std::string text = r.prometheus_text();
  EXPECT_NE(text.find("# TYPE test_latency_seconds histogram\n"), std::string::npos) << text;
  EXPECT_NE(text.find("test_latency_seconds_bucket{transport=\"udp\",le=\"0.001\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("test_latency_seconds_bucket{transport=\"udp\",le=\"0.01\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("test_latency_seconds_bucket{transport=\"udp\",le=\"+Inf\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("test_latency_seconds_count{transport=\"tcp\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("test_other_seconds_bucket{le=\"1\"} 0\n"), std::string::npos) << text;
  // Both series of the family come before the next family (the text format wants groups).
  EXPECT_LT(text.find("test_latency_seconds_count{transport=\"tcp\"}"), text.find("# TYPE test_other_seconds"));
  EXPECT_EQ(&r.get("test_latency_seconds{transport=\"udp\"}", "", {5.0}), &udp);
}

}  // namespace
}  // namespace imsguard::ops
