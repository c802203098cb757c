#pragma once
// The sink's per-stream checks, shared by the client and the benchmark: authenticate and
// decrypt (when keyed), reject replays, follow the sequence (losses, reordering) and
// compare every payload with the tone the source sends. Counting rather than stopping at
// the first problem, so the summary says how a stream went wrong.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "media/rtp.h"
#include "media/srtp_session.h"

namespace imsguard::media {

struct ReceiveStats {
  uint64_t ok = 0;                  // authentic (or plain), in sequence, expected payload
  uint64_t auth_failures = 0;
  uint64_t replays = 0;
  uint64_t payload_mismatches = 0;  // authentic but not the expected tone / payload type
  uint64_t malformed = 0;
  uint64_t lost = 0;                // sequence gaps
  uint64_t out_of_order = 0;
  uint64_t rtcp_ok = 0;
  uint64_t rtcp_failed = 0;
  uint64_t ssrc_changes = 0;
};

class StreamReceiver {
 public:
  // `rx` null: plain RTP (replays found by sequence number alone).
  explicit StreamReceiver(std::unique_ptr<SrtpSession> rx);
  // One datagram, RTP or RTCP (RFC 5761 multiplexing); modified in place.
  void on_datagram(uint8_t* data, size_t len);
  const ReceiveStats& stats() const { return stats_; }
  bool keyed() const { return rx_ != nullptr; }
  // What a receiver report says of the source now (RFC 3550 6.4.1, A.3, A.8); the fraction
  // lost covers the interval since the previous call. Empty before the first RTP packet.
  std::optional<ReportBlock> report_block(std::chrono::steady_clock::time_point now);

 private:
  void on_rtp(const uint8_t* data, size_t len);
  void on_sender_report(const uint8_t* data, size_t len);

  std::unique_ptr<SrtpSession> rx_;
  ReceiveStats stats_;
  std::optional<uint32_t> ssrc_;
  uint64_t highest_ = 0;   // extended sequence number of the newest packet
  uint64_t seen_ = 0;      // bitmap of the 64 sequence numbers up to highest_
  bool started_ = false;
  uint64_t base_ = 0;      // extended sequence number of the first packet
  uint64_t expected_prior_ = 0, received_prior_ = 0, received_ = 0;
  double jitter_ = 0;      // RTP timestamp units
  std::optional<int64_t> last_transit_;
  uint32_t last_sr_ = 0;
  std::chrono::steady_clock::time_point last_sr_at_;
};

}  // namespace imsguard::media
