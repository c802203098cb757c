#pragma once
// Security events: one JSON line per action a guard or the authentication layer takes
// (time, guard, source, identity if known, action, reason), so a SIEM can ingest them
// without scraping free-form logs.
#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/status.h"

namespace imsguard::ops {

struct SecurityEvent {
  std::string_view guard;     // "flood", "auth", "parse", ...
  std::string_view source;    // "udp:127.0.0.1:5062"
  std::string_view identity;  // IMPI/IMPU when known, else empty
  std::string_view action;    // "reject", "drop", "ban", "challenge", "accept", "lockout"
  std::string_view reason;    // human readable, stable wording
};

class EpisodeLog;

// Writes events to stdout, to a file (appended, created 0600), or nowhere. One per app::Node
// (the composition root), passed down to every role that reports: no process-wide sink.
class EventSink {
 public:
  EventSink();
  // output: "stdout", "none", or a file path. kUnavailable when a file cannot be opened, in
  // which case events go nowhere.
  Status open(const std::string& output);
  void emit(const SecurityEvent& event);
  // A line of an episode (ops/episodes.h): adds "count" and, for the summary that closes an
  // episode, "summary":true and "span_ms" (first to last event).
  void emit(const SecurityEvent& event, uint64_t count, bool summary, int64_t span_ms);
  uint64_t emitted() const { return emitted_.load(std::memory_order_relaxed); }
  // The episode log in front of this sink (ops/episodes.h), made on first use with the
  // thread that closes its episodes every second; the last ones are written at destruction.
  EpisodeLog& episodes();
  ~EventSink();
  EventSink(const EventSink&) = delete;
  EventSink& operator=(const EventSink&) = delete;

 private:
  struct Episodes;
  std::once_flag episodes_once_;
  std::unique_ptr<Episodes> episodes_;
  std::mutex mutex_;
  std::FILE* out_ = nullptr;
  bool owns_ = false;
  // Read without the lock (tests, the shutdown summary) while emitters write under it.
  std::atomic<uint64_t> emitted_{0};
};

// JSON string escaping for event fields and other JSON lines built by hand on hot paths.
void append_json_string(std::string& out, std::string_view s);

}  // namespace imsguard::ops
