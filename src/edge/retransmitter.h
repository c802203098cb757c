#pragma once
// The timers of the RFC 3261 transaction layer over UDP, in one place: a message that must
// reach its peer over an unreliable transport is sent again after T1, 2*T1, 4*T1 ... (capped
// at T2 where the RFC says so: Timers A, E and G) until its transaction stops it (a response,
// an ACK) or 64*T1 passes (Timers B, F and H), when an optional last message is sent (the
// 408 a proxy owes the caller). The client transactions of relayed requests and the edge's
// own non-2xx answers to INVITE use it. A message without bytes is a plain one-shot timer
// with a lifetime of its own (Timer C of a relayed INVITE): nothing is resent, its timeout
// acts.
//
// Time is a parameter: `poll(now)` does whatever is due at `now`, so unit tests drive it
// with a fake clock and no sleeps; `start()` runs a thread that polls on the steady clock.
// Bounded: at most `capacity` messages are in flight, holding at most `capacity` * 4 KiB of
// bytes in all (so large datagrams cannot stretch the table to gigabytes); past either,
// `schedule` refuses and the caller falls back to sending once.
#include "net/flow.h"
#include "ops/counters.h"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>

namespace imsguard::edge {

class Retransmitter {
 public:
  using Clock = std::function<int64_t()>;  // milliseconds, monotonic
  static int64_t steady_now_ms();

  struct Timers {
    int64_t t1_ms = 500;
    int64_t t2_ms = 4000;
  };

  // One message in flight: what to resend where, how, and what to say when it gives up.
  struct Message {
    net::Flow to;
    std::string bytes;  // empty: nothing to resend, only the timeout
    bool capped = true;  // intervals stop doubling at T2 (Timers E, G); INVITE's Timer A is not capped
    // Sent to `timeout_to` when 64*T1 passes without `stop` (empty: nothing is sent).
    std::string timeout_bytes;
    net::Flow timeout_to;
    ops::Counter* retransmitted = nullptr;  // counted on each resend
    ops::Counter* timed_out = nullptr;      // counted when 64*T1 passes
    // When the timeout comes (0: 64*T1, Timers B/F/H; otherwise after this many ms).
    int64_t lifetime_ms = 0;
    // Run after the timeout message was sent, with those bytes, outside the table's lock (it
    // may schedule or stop entries): the owner's follow-up (store the 408, stop a sibling timer).
    std::function<void(std::string_view timeout_bytes)> on_timeout;
  };

  Retransmitter(net::FlowSender* sender, Timers timers, size_t capacity, Clock clock = &steady_now_ms);
  ~Retransmitter();
  Retransmitter(const Retransmitter&) = delete;
  Retransmitter& operator=(const Retransmitter&) = delete;

  enum class Scheduled {
    kStarted,
    kAlreadyInFlight,  // a retransmission of the same request: the timers keep going
    kNoRoom,           // the table is full (entries or bytes)
  };
  // Starts the timers of `key` (the first copy has been sent by the caller).
  Scheduled schedule(const std::string& key, Message message);
  // The transaction got what it waited for: no more resends, no timeout message.
  bool stop(const std::string& key);
  // A non-INVITE client transaction saw a provisional response: it resends every T2 from
  // now on (RFC 3261 17.1.2.2, Proceeding) and still times out at 64*T1.
  void slow_down(const std::string& key);

  // Sends `bytes` once through the same sender (a message its owner sends on a timeout
  // of its own, such as Timer C's CANCEL or 408). False when it could not be sent.
  bool send(const net::Flow& to, std::string_view bytes);

  // Does what is due at `now`: resends and timeouts. Returns the next deadline (or nullopt).
  std::optional<int64_t> poll(int64_t now);
  size_t size() const;
  size_t capacity() const { return capacity_; }
  const Timers& timers() const { return timers_; }

  // A thread that polls on the clock; stop() joins it (before the sender goes away).
  void start();
  void stop_thread();

 private:
  // Keys ordered by their next due time (a resend or the deadline); each entry holds its
  // own position so stop() removes it at once and the queue never outgrows the table.
  using Due = std::multimap<int64_t, std::string>;
  struct Entry {
    Message message;
    int64_t interval_ms = 0;
    int64_t next_ms = 0;      // next resend
    int64_t deadline_ms = 0;  // 64*T1 after the first send
    Due::iterator due;
  };
  void requeue_locked(const std::string& key, Entry& e);
  void run();

  net::FlowSender* sender_;
  Timers timers_;
  size_t capacity_;
  size_t max_bytes_;
  size_t bytes_ = 0;  // held by the entries (resend and timeout messages)
  Clock clock_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::unordered_map<std::string, Entry> entries_;
  Due due_;
  bool running_ = false;
  std::thread thread_;
};

}  // namespace imsguard::edge
