#pragma once
// One direction of SRTP/SRTCP (RFC 3711) over libsrtp2: a sender protects, a receiver
// authenticates, decrypts and rejects replays. Wrapping libsrtp keeps its C error codes,
// global initialisation and buffer-trailer rules in one place, and counts every
// authentication failure and replay for the operator (imsguard_srtp_*_total).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "media/srtp_suite.h"
#include "ops/counters.h"

namespace imsguard::media {

enum class SrtpStatus { kOk, kAuthFailed, kReplay, kMalformed, kError };
std::string_view srtp_status_name(SrtpStatus s);

// Bytes protect() may append (auth tag; no MKI is ever used).
inline constexpr size_t kSrtpMaxTrailer = 16 + 128;

struct SrtpStats {
  uint64_t protected_packets = 0;
  uint64_t unprotected_packets = 0;
  uint64_t auth_failures = 0;
  uint64_t replays = 0;
  uint64_t malformed = 0;
};

// The node-wide SRTP counters (names operators grep), resolved once from the registry of the
// process that owns the sessions (app::Node's, a test's); sessions of a client or a benchmark
// count nothing (nullptr).
struct SrtpCounters {
  explicit SrtpCounters(ops::CounterRegistry& metrics);
  ops::Counter& auth_failures;
  ops::Counter& replays;
  ops::Counter& malformed;
};

class SrtpSession {
 public:
  enum class Direction { kSend, kReceive };
  // key_salt is the master key followed by the master salt (RFC 4568 inline key order);
  // its length must match the suite. kInvalid for a key of the wrong length, kInternal for a
  // libsrtp failure. Per call, not per packet: packets get an SrtpStatus (no message).
  // `counters` (not owned, outlives the session): where inbound failures are counted.
  static StatusOr<std::unique_ptr<SrtpSession>> create(SrtpSuite suite, std::span<const uint8_t> key_salt,
                                                       Direction direction, const SrtpCounters* counters = nullptr);
  ~SrtpSession();
  SrtpSession(const SrtpSession&) = delete;
  SrtpSession& operator=(const SrtpSession&) = delete;

  // In place: `len` bytes of RTP/RTCP in a buffer of `capacity` (>= len + kSrtpMaxTrailer
  // for protect); `len` is updated.
  SrtpStatus protect_rtp(uint8_t* packet, size_t& len, size_t capacity);
  SrtpStatus unprotect_rtp(uint8_t* packet, size_t& len);
  SrtpStatus protect_rtcp(uint8_t* packet, size_t& len, size_t capacity);
  SrtpStatus unprotect_rtcp(uint8_t* packet, size_t& len);

  // Conveniences that resize the vector.
  SrtpStatus protect_rtp(std::vector<uint8_t>& packet);
  SrtpStatus unprotect_rtp(std::vector<uint8_t>& packet);
  SrtpStatus protect_rtcp(std::vector<uint8_t>& packet);
  SrtpStatus unprotect_rtcp(std::vector<uint8_t>& packet);

  SrtpSuite suite() const { return suite_; }
  Direction direction() const { return direction_; }
  const SrtpStats& stats() const { return stats_; }

 private:
  SrtpSession(SrtpSuite suite, Direction direction, const SrtpCounters* counters)
      : suite_(suite), direction_(direction), counters_(counters) {}
  SrtpStatus inbound_result(int libsrtp_status);

  struct Ctx;
  Ctx* ctx_ = nullptr;  // libsrtp's srtp_t
  SrtpSuite suite_;
  Direction direction_;
  const SrtpCounters* counters_;
  SrtpStats stats_;
};

// libsrtp's one-time global initialisation (thread-safe, idempotent); kInternal when libsrtp
// refuses (every later call returns the same).
Status srtp_library_init();

}  // namespace imsguard::media
