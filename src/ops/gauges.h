#pragma once
// Values that go up and down (open connections, live bans, registrations). Two kinds: a
// Gauge the owner moves on its own path (relaxed atomic, like a counter), and a sampled
// gauge whose value a function computes at scrape time, for numbers a module already keeps
// (a table's size) so nothing is counted twice. A sampled gauge lives as long as the handle
// its owner holds, so a scrape never calls into an object that is gone.
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace imsguard::ops {

class Gauge {
 public:
  void set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void add(int64_t d = 1) { value_.fetch_add(d, std::memory_order_relaxed); }
  void sub(int64_t d = 1) { value_.fetch_sub(d, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

class GaugeRegistry;

// Unregisters its sampled gauge when destroyed (and waits for a scrape in progress).
class SampledGauge {
 public:
  SampledGauge() = default;
  SampledGauge(GaugeRegistry* registry, uint64_t id) : registry_(registry), id_(id) {}
  ~SampledGauge() { reset(); }
  SampledGauge(SampledGauge&& o) noexcept : registry_(o.registry_), id_(o.id_) { o.registry_ = nullptr; }
  SampledGauge& operator=(SampledGauge&& o) noexcept;
  SampledGauge(const SampledGauge&) = delete;
  SampledGauge& operator=(const SampledGauge&) = delete;
  void reset();

 private:
  GaugeRegistry* registry_ = nullptr;
  uint64_t id_ = 0;
};

// Owns one node's gauges: a member of the node's CounterRegistry (ops/counters.h), reached
// through it, so two nodes in one process never share a connection count.
class GaugeRegistry {
 public:
  // The gauge with this name ("family{label=\"x\"}"), created on first use; valid for the
  // registry's lifetime.
  Gauge& get(std::string_view name, std::string_view help = {});
  // A gauge computed by `sample` at each scrape until the returned handle is destroyed.
  // `sample` runs on the scraping thread and must be thread-safe.
  [[nodiscard]] SampledGauge sample(std::string_view name, std::string_view help, std::function<double()> sample);

  std::string prometheus_text() const;

 private:
  friend class SampledGauge;
  void remove(uint64_t id);

  struct Entry {
    std::string name, help;
    Gauge gauge;
  };
  struct Sampled {
    uint64_t id;
    std::string name, help;
    std::function<double()> fn;
  };
  // Scrapes hold the mutex while sampling, so remove() waits for a scrape that is running.
  mutable std::mutex mutex_;
  std::deque<Entry> entries_;
  std::list<Sampled> sampled_;
  uint64_t next_id_ = 1;
};

}  // namespace imsguard::ops
