#include "ops/activity_log.h"

#include "common/log_text.h"

#include "ops/counters.h"

#include <array>
#include <chrono>

namespace imsguard::ops {

namespace {

constexpr std::array<Activity, 3> kKinds = {Activity::kRegistration, Activity::kAuthFailure, Activity::kCall};

int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

std::string_view activity_name(Activity kind) {
  switch (kind) {
    case Activity::kRegistration: return "registration";
    case Activity::kAuthFailure: return "auth_failure";
    case Activity::kCall: return "call";
  }
  return "other";
}

ActivityLimiter::Admit ActivityLimiter::admit(int64_t now_ms) {
  std::lock_guard lock(mutex_);
  const int64_t second = now_ms / 1000;
  if (second != second_) {
    second_ = second;
    used_ = 0;
  }
  Admit a;
  if (used_ >= per_second_) {
    ++held_back_;
    ++suppressed_total_;
    return a;
  }
  ++used_;
  a.write = true;
  a.left_out = held_back_;
  held_back_ = 0;
  return a;
}

uint64_t ActivityLimiter::suppressed_total() const {
  std::lock_guard lock(mutex_);
  return suppressed_total_;
}

std::string activity_line(std::string_view line) { return log_safe(line, kActivityLineBytes); }

ActivityLog::ActivityLog(CounterRegistry& counters) {
  for (Activity kind : kKinds)
    suppressed_[static_cast<size_t>(kind)] =
        &counters.get("imsguard_log_lines_suppressed_total{kind=\"" + std::string(activity_name(kind)) + "\"}",
                      "info log lines not written: over the cap of 20 a second per kind");
}

bool ActivityLog::admitted(Activity kind) {
  const auto i = static_cast<size_t>(kind);
  auto a = limiters_[i].admit(steady_ms());
  if (!a.write) {
    suppressed_[i]->inc();
    return false;
  }
  if (a.left_out)
    spdlog::info("log: {} {} line(s) left out before this one (over {} a second)", a.left_out, activity_name(kind),
                 kActivityLinesPerSecond);
  return true;
}

void ActivityLog::write(std::string_view line) { spdlog::info("{}", activity_line(line)); }

}  // namespace imsguard::ops
