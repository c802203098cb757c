#pragma once
// One security event per episode. A guard that writes a line for every message it refuses
// turns the event log into a resource the attacker spends for us: spoofed sources made
// 70,000 ban lines in 4.8 s, and one source under the flood limit made one line per message
// (issue 17, F19); the line that matters then drowns. Events that can repeat go through an
// EpisodeLog, keyed by (guard, key, action) where the key is the source or its prefix: the
// first event of an episode is written at once (count 1), the others within the window are
// only counted, and when the window has passed one summary line gives the count. Over all
// keys at most max_lines_per_s lines a second are written; what the cap holds back is
// counted per (guard, action) and reported in one "suppressed" line a second. Memory is
// bounded: at most max_episodes episodes are open, an event that finds the table full is
// counted as suppressed.
#include "ops/events.h"

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace imsguard::ops {

struct EpisodeOptions {
  int64_t window_ms = 10'000;
  uint32_t max_lines_per_s = 50;
  size_t max_episodes = 4096;
};

// One line to write: the event, how many events it stands for, and for a summary the
// milliseconds from the episode's first event to its last.
struct EpisodeLine {
  SecurityEvent event;
  uint64_t count = 1;
  bool summary = false;
  int64_t span_ms = 0;
};

class EpisodeLog {
 public:
  using Writer = std::function<void(const EpisodeLine&)>;
  EpisodeLog(EpisodeOptions options, Writer writer);

  // One event at `now_ms` (any monotonic clock); `key` empty: the event's source.
  void record(const SecurityEvent& event, std::string_view key, int64_t now_ms);
  // Closes the episodes whose window has passed (their summaries) and reports what the cap
  // held back. Call about once a second.
  void tick(int64_t now_ms);
  // Closes every episode now (at exit).
  void flush(int64_t now_ms);

  size_t open_episodes() const;
  uint64_t suppressed_total() const;

 private:
  struct Episode {
    std::string guard, action, key, identity, reason;
    int64_t first_ms = 0;
    int64_t last_ms = 0;
    uint64_t count = 0;
  };
  // Takes one line from the per-second budget; false when the cap is reached.
  bool take_line(int64_t now_ms);
  void suppress(std::string_view guard, std::string_view action, uint64_t n);
  // Closes the episodes due (all of them with `all`) into `closed`, and the suppressed
  // counts into `suppressed_text` (empty when nothing was held back). Written outside the lock.
  void close(int64_t now_ms, bool all);

  const EpisodeOptions options_;
  const Writer writer_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Episode> episodes_;
  int64_t budget_second_ = INT64_MIN;
  uint32_t budget_used_ = 0;
  std::map<std::string, uint64_t> suppressed_;  // "guard action" -> count since the last report
  uint64_t suppressed_total_ = 0;
};

// The call for an emit site: ops::emit_episode(events_, {"flood", src, "", "ban", reason})
// where it was events_.emit(...), through the episode log of that sink
// (EventSink::episodes()). `key` groups events (a source's prefix, an address without its
// port); empty: the source.
void emit_episode(EventSink& sink, const SecurityEvent& event, std::string_view key = {});

}  // namespace imsguard::ops
