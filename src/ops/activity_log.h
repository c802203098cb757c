#pragma once
// The operator's log at info: one line per registration, per authentication failure and per
// call, so `journalctl -u imsguard` answers "did alice register, why was bob refused, who
// called whom" without the debug trace. How many failures happen is the attacker's choice,
// so every kind has its own cap: at most kActivityLinesPerSecond lines a second; past it the
// lines are not written but counted (imsguard_log_lines_suppressed_total{kind}), and the next
// line of that kind written says how many were left out. Each line is cut at
// kActivityLineBytes and its control characters escaped (identities come from the network).
// Worst case: 3 kinds x (20 + 1 summary) lines of <= 400 bytes a second, about 25 KB/s.
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

namespace imsguard::ops {

enum class Activity : uint8_t { kRegistration, kAuthFailure, kCall };
inline constexpr uint32_t kActivityLinesPerSecond = 20;
inline constexpr size_t kActivityLineBytes = 400;

// "registration", "auth_failure", "call": the label of the suppressed-lines counter.
std::string_view activity_name(Activity kind);

// The cap of one kind (kept apart from logging so it is tested on a given clock).
class ActivityLimiter {
 public:
  explicit ActivityLimiter(uint32_t per_second = kActivityLinesPerSecond) : per_second_(per_second) {}
  struct Admit {
    bool write = false;
    uint64_t left_out = 0;  // lines held back since the last one written (report them first)
  };
  Admit admit(int64_t now_ms);
  uint64_t suppressed_total() const;

 private:
  const uint32_t per_second_;
  mutable std::mutex mutex_;
  int64_t second_ = INT64_MIN;
  uint32_t used_ = 0;
  uint64_t held_back_ = 0;
  uint64_t suppressed_total_ = 0;
};

// The line as it is written: made safe by log_safe (common/log_text.h), cut at kActivityLineBytes.
std::string activity_line(std::string_view line);

class Counter;
class CounterRegistry;

// The caps of every kind and their suppressed-lines counters, resolved once in `counters`
// (the node's registry). Each role that logs a kind owns one (the registrar: registrations
// and authentication failures; the proxy: calls), so each kind has one cap per node.
class ActivityLog {
 public:
  explicit ActivityLog(CounterRegistry& counters);
  // Writes one line of `kind` at info when the cap allows; `make` builds it only then (the
  // registration path does not pay for a line that is not written).
  template <class MakeLine>
  void log(Activity kind, MakeLine&& make) {
    if (!spdlog::should_log(spdlog::level::info)) return;
    if (!admitted(kind)) return;
    write(make());
  }

 private:
  bool admitted(Activity kind);
  static void write(std::string_view line);
  ActivityLimiter limiters_[3];
  Counter* suppressed_[3];
};

}  // namespace imsguard::ops
