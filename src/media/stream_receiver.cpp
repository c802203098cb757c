#include "media/stream_receiver.h"

#include <algorithm>
#include <cstdlib>
#include <span>

#include "media/rtp.h"

namespace imsguard::media {

StreamReceiver::StreamReceiver(std::unique_ptr<SrtpSession> rx) : rx_(std::move(rx)) {}

void StreamReceiver::on_datagram(uint8_t* data, size_t len) {
  std::span<const uint8_t> d(data, len);
  if (is_rtcp(d)) {
    if (rx_ && rx_->unprotect_rtcp(data, len) != SrtpStatus::kOk) {
      ++stats_.rtcp_failed;
      return;
    }
    ++stats_.rtcp_ok;
    on_sender_report(data, len);
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
    base_ = ext;
    expected_prior_ = received_prior_ = received_ = 0;
    last_transit_.reset();
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
  ++received_;
  // Interarrival jitter (RFC 3550 A.8), arrival time in the 8 kHz PCMU clock.
  auto arrival_us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now().time_since_epoch())
                        .count();
  int64_t transit = arrival_us * 8 / 1000 - static_cast<int64_t>(p->header.timestamp);
  if (last_transit_) {
    double d = static_cast<double>(std::llabs(transit - *last_transit_));
    jitter_ += (d - jitter_) / 16.0;
  }
  last_transit_ = transit;
  const auto& tone = tone_frame();
  if (p->header.payload_type != 0 || p->payload_size != tone.size() ||
      !std::equal(tone.begin(), tone.end(), data + p->payload_offset)) {
    ++stats_.payload_mismatches;
    return;
  }
  ++stats_.ok;
}

void StreamReceiver::on_sender_report(const uint8_t* data, size_t len) {
  if (len < 28 || data[1] != 200) return;
  // The middle 32 bits of the NTP timestamp (bytes 10..13), echoed back as LSR.
  last_sr_ = uint32_t{data[10]} << 24 | uint32_t{data[11]} << 16 | uint32_t{data[12]} << 8 | data[13];
  last_sr_at_ = std::chrono::steady_clock::now();
}

std::optional<ReportBlock> StreamReceiver::report_block(std::chrono::steady_clock::time_point now) {
  if (!started_ || !ssrc_) return std::nullopt;
  ReportBlock b;
  b.source_ssrc = *ssrc_;
  b.extended_highest = static_cast<uint32_t>(highest_);
  uint64_t expected = highest_ - base_ + 1;
  int64_t lost = static_cast<int64_t>(expected) - static_cast<int64_t>(received_);
  b.cumulative_lost = static_cast<uint32_t>(std::clamp<int64_t>(lost, 0, 0x7fffff));
  uint64_t expected_interval = expected - expected_prior_;
  uint64_t received_interval = received_ - received_prior_;
  expected_prior_ = expected;
  received_prior_ = received_;
  if (expected_interval > 0 && expected_interval > received_interval)
    b.fraction_lost = static_cast<uint8_t>(((expected_interval - received_interval) << 8) / expected_interval);
  b.jitter = static_cast<uint32_t>(jitter_);
  if (last_sr_ != 0) {
    b.last_sr = last_sr_;
    auto delay = std::chrono::duration_cast<std::chrono::microseconds>(now - last_sr_at_).count();
    b.delay_since_last_sr = static_cast<uint32_t>(delay * 65536 / 1000000);
  }
  return b;
}

}  // namespace imsguard::media
