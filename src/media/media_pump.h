#pragma once
// The media source: one thread that sends every stream's next 20 ms packet on a shared
// tick (PCMU tone, SRTP when keyed, an SRTCP sender report each second), runs the DTLS-SRTP
// handshakes on the same sockets (RFC 7983 demultiplexing) and ends streams that are done
// (packet budget, BYE, handshake failure, the sink's port unreachable). One thread for all
// streams is the point: the benchmark measures how many streams one core keeps on time.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "media/dtls_srtp.h"
#include "media/srtp_session.h"

namespace imsguard::media {

struct StreamConfig {
  int fd = -1;  // bound and connected to the sink; the pump owns and closes it
  std::string label;  // the Call-ID, for reports
  std::unique_ptr<SrtpSession> tx;  // SDES: the sending session; null for RTP or DTLS
  std::unique_ptr<SrtpSession> rx;  // SDES: for the sink's SRTCP (optional)
  std::unique_ptr<DtlsSrtpEndpoint> dtls;  // DTLS-SRTP: sessions come from its keys
  uint32_t max_packets = 1500;             // 30 s at 50 packets/s
  std::chrono::milliseconds handshake_timeout{10000};
};

struct StreamReport {
  std::string label;
  uint32_t packets_sent = 0;
  uint32_t rtcp_sent = 0;
  uint32_t rtcp_received = 0;
  bool srtp = false;
  std::string end_reason;  // "complete", "bye", "peer unreachable", "dtls: ...", "stopped"
};

struct PumpStats {
  std::atomic<uint64_t> packets{0}, send_errors{0}, late_ticks{0}, ticks{0};
  std::atomic<uint64_t> busy_us{0};     // time spent sending, summed over ticks
  std::atomic<uint64_t> max_tick_us{0};  // the longest tick
  std::atomic<uint64_t> thread_cpu_us{0};  // CPU time of the pump thread (updated each tick)
  std::atomic<uint64_t> rtcp_received{0}, rtcp_rejected{0};  // the sinks' (S)RTCP reports
};

class MediaPump {
 public:
  using EndCallback = std::function<void(const StreamReport&)>;
  // `metrics`: the owner's registry (app::Node's); the pump's counters and those of the SRTP
  // sessions it keys (srtp_counters()) are resolved here.
  explicit MediaPump(ops::CounterRegistry& metrics, EndCallback on_end = {});
  ~MediaPump();
  MediaPump(const MediaPump&) = delete;
  MediaPump& operator=(const MediaPump&) = delete;

  void start();
  // Ends every stream ("stopped") and joins the thread.
  void stop();

  // Thread-safe; the stream starts on the next tick. Returns its id.
  uint64_t add(StreamConfig stream);
  // Thread-safe: ends a stream early (BYE). Returns once the pump has closed the stream's
  // socket (bounded wait), so a 200 to the BYE is never followed by a packet of that stream.
  void end(uint64_t id, std::string reason);
  size_t active() const { return active_.load(); }
  const PumpStats& stats() const { return stats_; }
  // For the SRTP sessions handed to this pump (SrtpSession::create).
  const SrtpCounters& srtp_counters() const { return srtp_counters_; }

 private:
  struct Stream;
  void run();
  void tick(Stream& s);
  void on_readable(Stream& s);
  void finish(Stream& s, std::string reason);
  void flush_dtls(Stream& s);

  EndCallback on_end_;
  SrtpCounters srtp_counters_;
  ops::Counter& rtcp_ok_;        // the sinks' receiver reports: authenticated (or plain)
  ops::Counter& rtcp_rejected_;  // and rejected SRTCP
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::mutex mutex_;  // guards pending_, ending_, the end generations
  std::condition_variable ended_;  // the pump has processed ending_ up to ends_requested_
  std::vector<std::unique_ptr<Stream>> pending_;
  std::vector<std::pair<uint64_t, std::string>> ending_;
  uint64_t ends_requested_ = 0, ends_done_ = 0;
  uint64_t next_id_ = 1;
  std::vector<std::unique_ptr<Stream>> streams_;  // pump thread only
  std::atomic<size_t> active_{0};
  int epoll_fd_ = -1;  // readiness of every stream socket, without an O(streams) poll
  PumpStats stats_;
};

}  // namespace imsguard::media
