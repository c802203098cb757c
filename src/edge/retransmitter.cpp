#include "edge/retransmitter.h"

#include <algorithm>
#include <chrono>
#include <vector>

namespace imsguard::edge {

int64_t Retransmitter::steady_now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

Retransmitter::Retransmitter(net::FlowSender* sender, Timers timers, size_t capacity, Clock clock)
    : sender_(sender), timers_(timers), capacity_(capacity), max_bytes_(capacity * 4096), clock_(std::move(clock)) {}

namespace {
size_t held(const Retransmitter::Message& m) { return m.bytes.size() + m.timeout_bytes.size(); }
}  // namespace

Retransmitter::~Retransmitter() { stop_thread(); }

void Retransmitter::requeue_locked(const std::string& key, Entry& e) {
  if (e.due != due_.end()) due_.erase(e.due);
  bool earliest = due_.empty() || std::min(e.next_ms, e.deadline_ms) < due_.begin()->first;
  e.due = due_.emplace(std::min(e.next_ms, e.deadline_ms), key);
  if (earliest) wake_.notify_one();
}

Retransmitter::Scheduled Retransmitter::schedule(const std::string& key, Message message) {
  int64_t now = clock_();
  std::lock_guard lock(mutex_);
  if (entries_.count(key)) return Scheduled::kAlreadyInFlight;
  if (entries_.size() >= capacity_ || bytes_ + held(message) > max_bytes_) return Scheduled::kNoRoom;
  bytes_ += held(message);
  Entry& e = entries_[key];
  e.message = std::move(message);
  e.interval_ms = timers_.t1_ms;
  e.deadline_ms = now + (e.message.lifetime_ms > 0 ? e.message.lifetime_ms : 64 * timers_.t1_ms);
  // A plain timer never resends: its next send is its deadline.
  e.next_ms = e.message.bytes.empty() ? e.deadline_ms : now + timers_.t1_ms;
  e.due = due_.end();
  requeue_locked(key, e);
  return Scheduled::kStarted;
}

bool Retransmitter::stop(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return false;
  bytes_ -= held(it->second.message);
  due_.erase(it->second.due);
  entries_.erase(it);
  return true;
}

void Retransmitter::slow_down(const std::string& key) {
  int64_t now = clock_();
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.interval_ms == timers_.t2_ms || it->second.message.bytes.empty()) return;
  it->second.interval_ms = timers_.t2_ms;
  it->second.next_ms = now + timers_.t2_ms;
  requeue_locked(key, it->second);
}

std::optional<int64_t> Retransmitter::poll(int64_t now) {
  struct Send {
    net::Flow to;
    std::string bytes;
    ops::Counter* counter;
    std::function<void(std::string_view)> then;
  };
  std::vector<Send> sends;
  std::optional<int64_t> next;
  {
    std::lock_guard lock(mutex_);
    while (!due_.empty() && due_.begin()->first <= now) {
      std::string key = due_.begin()->second;
      auto it = entries_.find(key);
      Entry& e = it->second;
      if (e.deadline_ms <= now) {
        // Timer B/F/H: the peer never answered (or never acknowledged).
        bytes_ -= held(e.message);
        sends.push_back({e.message.timeout_to, std::move(e.message.timeout_bytes), e.message.timed_out,
                         std::move(e.message.on_timeout)});
        due_.erase(e.due);
        entries_.erase(it);
        continue;
      }
      // Timer A/E/G: the same bytes again; the schedule follows the first send, not the
      // moment this thread woke, so the RFC's times hold however late a poll runs.
      sends.push_back({e.message.to, e.message.bytes, e.message.retransmitted, {}});
      e.interval_ms = e.message.capped ? std::min(e.interval_ms * 2, timers_.t2_ms) : e.interval_ms * 2;
      e.next_ms += e.interval_ms;
      if (e.next_ms <= now) e.next_ms = now + e.interval_ms;  // a long stall sends once, not a burst
      due_.erase(e.due);
      e.due = due_.emplace(std::min(e.next_ms, e.deadline_ms), key);
    }
    if (!due_.empty()) next = due_.begin()->first;
  }
  for (auto& s : sends) {
    if (s.counter) s.counter->inc();
    if (sender_ && !s.bytes.empty()) sender_->send_to(s.to, s.bytes);
    if (s.then) s.then(s.bytes);
  }
  // A follow-up may have scheduled something earlier than what was due before it ran.
  if (std::any_of(sends.begin(), sends.end(), [](const Send& s) { return s.then != nullptr; })) {
    std::lock_guard lock(mutex_);
    next = due_.empty() ? std::nullopt : std::optional<int64_t>(due_.begin()->first);
  }
  return next;
}

bool Retransmitter::send(const net::Flow& to, std::string_view bytes) { return sender_ && sender_->send_to(to, bytes); }

size_t Retransmitter::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void Retransmitter::start() {
  std::lock_guard lock(mutex_);
  if (running_) return;
  running_ = true;
  thread_ = std::thread([this] { run(); });
}

void Retransmitter::stop_thread() {
  {
    std::lock_guard lock(mutex_);
    if (!running_) return;
    running_ = false;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Retransmitter::run() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (!running_) return;
      // Sleep until the earliest due time; schedule() wakes us for an earlier one, stop for the end.
      if (due_.empty()) wake_.wait(lock);
      else if (int64_t wait = due_.begin()->first - clock_(); wait > 0) wake_.wait_for(lock, std::chrono::milliseconds(wait));
      if (!running_) return;
    }
    poll(clock_());
  }
}

}  // namespace imsguard::edge
