#include "ops/episodes.h"

#include <chrono>
#include <condition_variable>
#include <thread>

namespace imsguard::ops {

EpisodeLog::EpisodeLog(EpisodeOptions options, Writer writer) : options_(options), writer_(std::move(writer)) {}

bool EpisodeLog::take_line(int64_t now_ms) {
  int64_t second = now_ms / 1000;
  if (second != budget_second_) {
    budget_second_ = second;
    budget_used_ = 0;
  }
  if (budget_used_ >= options_.max_lines_per_s) return false;
  ++budget_used_;
  return true;
}

void EpisodeLog::suppress(std::string_view guard, std::string_view action, uint64_t n) {
  suppressed_total_ += n;
  std::string name = std::string(guard) + " " + std::string(action);
  auto it = suppressed_.find(name);
  // Bounded: past 32 kinds the rest is reported under one name.
  if (it == suppressed_.end() && suppressed_.size() >= 32) it = suppressed_.try_emplace("other").first;
  else if (it == suppressed_.end()) it = suppressed_.try_emplace(std::move(name)).first;
  it->second += n;
}

void EpisodeLog::record(const SecurityEvent& e, std::string_view key, int64_t now_ms) {
  if (key.empty()) key = e.source;
  std::string id;
  id.reserve(e.guard.size() + e.action.size() + key.size() + 2);
  id.append(e.guard).push_back('\0');
  id.append(e.action).push_back('\0');
  id.append(key);
  {
    std::lock_guard lock(mutex_);
    if (auto it = episodes_.find(id); it != episodes_.end()) {
      Episode& ep = it->second;
      ++ep.count;
      ep.last_ms = now_ms;
      ep.identity.assign(e.identity);
      ep.reason.assign(e.reason);
      return;
    }
    if (episodes_.size() >= options_.max_episodes || !take_line(now_ms)) {
      suppress(e.guard, e.action, 1);
      return;
    }
    Episode& ep = episodes_[std::move(id)];
    ep.guard.assign(e.guard);
    ep.action.assign(e.action);
    ep.key.assign(key);
    ep.first_ms = ep.last_ms = now_ms;
    ep.count = 1;
  }
  writer_(EpisodeLine{e, 1, false, 0});
}

void EpisodeLog::close(int64_t now_ms, bool all) {
  std::vector<Episode> closed;
  std::string suppressed_text;
  uint64_t suppressed_count = 0;
  {
    std::lock_guard lock(mutex_);
    for (auto it = episodes_.begin(); it != episodes_.end();) {
      if (all || now_ms - it->second.first_ms >= options_.window_ms) {
        // A single event was written whole when it came: nothing to add.
        if (it->second.count > 1) {
          if (all || take_line(now_ms)) closed.push_back(std::move(it->second));
          else suppress(it->second.guard, it->second.action, it->second.count - 1);
        }
        it = episodes_.erase(it);
      } else {
        ++it;
      }
    }
    for (const auto& [name, n] : suppressed_) {
      if (!suppressed_text.empty()) suppressed_text += ", ";
      suppressed_text += name + ": " + std::to_string(n);
      suppressed_count += n;
    }
    suppressed_.clear();
  }
  for (const Episode& ep : closed)
    writer_(EpisodeLine{{ep.guard, ep.key, ep.identity, ep.action, ep.reason}, ep.count, true, ep.last_ms - ep.first_ms});
  if (suppressed_count) {
    std::string reason = "events not written (over " + std::to_string(options_.max_lines_per_s) +
                         " lines a second or " + std::to_string(options_.max_episodes) + " open episodes): " +
                         suppressed_text;
    writer_(EpisodeLine{{"events", "", "", "suppressed", reason}, suppressed_count, true, 0});
  }
}

void EpisodeLog::tick(int64_t now_ms) { close(now_ms, false); }

void EpisodeLog::flush(int64_t now_ms) { close(now_ms, true); }

size_t EpisodeLog::open_episodes() const {
  std::lock_guard lock(mutex_);
  return episodes_.size();
}

uint64_t EpisodeLog::suppressed_total() const {
  std::lock_guard lock(mutex_);
  return suppressed_total_;
}

namespace {

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// A sink's episode log and the thread that closes its episodes.
struct EventSink::Episodes {
  explicit Episodes(EventSink& sink)
      : log{EpisodeOptions{}, [&sink](const EpisodeLine& line) {
              sink.emit(line.event, line.count, line.summary, line.span_ms);
            }} {}
  EpisodeLog log;
  std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;
  std::thread ticker{[this] {
    std::unique_lock lock(mutex);
    while (!wake.wait_for(lock, std::chrono::seconds(1), [this] { return stopping; })) {
      lock.unlock();
      log.tick(steady_ms());
      lock.lock();
    }
  }};
  ~Episodes() {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    wake.notify_all();
    ticker.join();
    log.flush(steady_ms());
  }
};

EventSink::EventSink() = default;

EventSink::~EventSink() {
  episodes_.reset();  // its last summaries are written to this sink, before the file closes
  if (owns_ && out_) std::fclose(out_);
}

EpisodeLog& EventSink::episodes() {
  std::call_once(episodes_once_, [this] { episodes_ = std::make_unique<Episodes>(*this); });
  return episodes_->log;
}

void emit_episode(EventSink& sink, const SecurityEvent& event, std::string_view key) {
  sink.episodes().record(event, key, steady_ms());
}

}  // namespace imsguard::ops
