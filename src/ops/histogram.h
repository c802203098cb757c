#pragma once
// Latency distributions as Prometheus histograms. observe() runs on every message, so it is
// a bucket search over a handful of fixed bounds plus relaxed atomic adds: no lock, no
// allocation. Exposition reads the atomics without stopping observers (a scrape may see a
// count one message ahead of the sum; Prometheus tolerates that).
#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace imsguard::ops {

class Histogram {
 public:
  // Upper bounds in seconds, ascending; "+Inf" is implicit. At most kMaxBuckets.
  static constexpr size_t kMaxBuckets = 24;
  explicit Histogram(std::vector<double> bounds_s);

  void observe_ns(uint64_t ns);
  void observe_seconds(double s) { observe_ns(s <= 0 ? 0 : static_cast<uint64_t>(s * 1e9)); }

  struct Snapshot {
    std::vector<double> bounds_s;
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf (== count)
    uint64_t count = 0;
    double sum_s = 0;
  };
  Snapshot snapshot() const;
  const std::vector<double>& bounds() const { return bounds_s_; }

 private:
  std::vector<double> bounds_s_;
  std::vector<uint64_t> bounds_ns_;
  std::array<std::atomic<uint64_t>, kMaxBuckets + 1> buckets_{};  // non-cumulative; last is +Inf
  std::atomic<uint64_t> sum_ns_{0};
};

// Bounds for per-message handling time: 25 us to 2.5 s.
std::vector<double> message_latency_buckets();

// Owns one node's histograms: a member of the node's CounterRegistry (ops/counters.h),
// reached through it, so two nodes in one process time their own messages. Name and labels
// as for counters: "imsguard_x_seconds{transport=\"udp\"}".
class HistogramRegistry {
 public:
  // The histogram with this name, created with `bounds_s` on first use (later calls get the
  // existing one, whatever bounds they pass). The reference stays valid for the registry's lifetime.
  Histogram& get(std::string_view name, std::string_view help, std::vector<double> bounds_s);
  std::string prometheus_text() const;

 private:
  struct Entry {
    Entry(std::string n, std::string h, std::vector<double> b) : name(std::move(n)), help(std::move(h)), histogram(std::move(b)) {}
    std::string name, help;
    Histogram histogram;
  };
  mutable std::mutex mutex_;
  std::deque<Entry> entries_;
};

// "1e-05" style text Prometheus accepts for le="" and sample values.
std::string format_metric_value(double v);

}  // namespace imsguard::ops
