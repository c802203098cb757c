#include "media/stream_receiver.h"

#include <algorithm>
#include <span>

#include "media/rtp.h"

namespace imsguard::media {

StreamReceiver::StreamReceiver(std::unique_ptr<SrtpSession> rx) : rx_(std::move(rx)) {}

void StreamReceiver::on_datagram(uint8_t* data, size_t len) {
  std::span<const uint8_t> d(data, len);
  if (is_rtcp(d)) {
    if (rx_ && rx_->unprotect_rtcp(data, len) != SrtpStatus::kOk) ++stats_.rtcp_failed;
    else ++stats_.rtcp_ok;
    return;
  }
  if (rx_) {
    switch (rx_->unprotect_rtp(data, len)) {
      case SrtpStatus::kOk: break;
      case SrtpStatus::kAuthFailed: ++stats_.auth_failures; return;
      case SrtpStatus::kReplay: ++stats_.replays; return;
      default: ++stats_.malformed; return;
    }
  }
  on_rtp(data, len);
}

void StreamReceiver::on_rtp(const uint8_t* data, size_t len) {
  auto p = parse_rtp(std::span<const uint8_t>(data, len));
  if (!p) {
    ++stats_.malformed;
    return;
  }
  if (ssrc_ && *ssrc_ != p->header.ssrc) {
    // A new source restarts the sequence.
    ++stats_.ssrc_changes;
    started_ = false;
  }
  ssrc_ = p->header.ssrc;
  // Extend the 16-bit sequence number around the newest one (RFC 3550 A.1 style).
  uint16_t seq = p->header.sequence;
  uint64_t ext;
  if (!started_) {
    ext = (uint64_t{1} << 16) + seq;  // room below for reordered packets
    highest_ = ext;
    seen_ = 1;
    started_ = true;
  } else {
    int32_t delta = static_cast<int16_t>(static_cast<uint16_t>(seq - static_cast<uint16_t>(highest_)));
    ext = static_cast<uint64_t>(static_cast<int64_t>(highest_) + delta);
    if (ext > highest_) {
      uint64_t gap = ext - highest_;
      stats_.lost += gap - 1;
      seen_ = gap >= 64 ? 0 : seen_ << gap;
      seen_ |= 1;
      highest_ = ext;
    } else {
      uint64_t back = highest_ - ext;
      if (back >= 64 || (seen_ >> back) & 1) {
        ++stats_.replays;  // only reachable without SRTP, whose window rejected it already
        return;
      }
      seen_ |= uint64_t{1} << back;
      ++stats_.out_of_order;
      if (stats_.lost > 0) --stats_.lost;  // counted as lost when the gap opened
    }
  }
  const auto& tone = tone_frame();
  if (p->header.payload_type != 0 || p->payload_size != tone.size() ||
      !std::equal(tone.begin(), tone.end(), data + p->payload_offset)) {
    ++stats_.payload_mismatches;
    return;
  }
  ++stats_.ok;
}

}  // namespace imsguard::media
