#include "media/rtp.h"

#include <algorithm>

#include <chrono>
#include <cmath>

namespace imsguard::media {
namespace {

void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void put32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}
uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t get32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}

}  // namespace

void write_rtp_header(const RtpHeader& h, uint8_t* out) {
  out[0] = 0x80;  // V=2, no padding, no extension, no CSRC
  out[1] = static_cast<uint8_t>((h.marker ? 0x80 : 0) | (h.payload_type & 0x7f));
  put16(out + 2, h.sequence);
  put32(out + 4, h.timestamp);
  put32(out + 8, h.ssrc);
}

std::optional<ParsedRtp> parse_rtp(std::span<const uint8_t> p) {
  if (p.size() < kRtpHeaderSize || (p[0] >> 6) != 2) return std::nullopt;
  ParsedRtp r;
  r.header.marker = (p[1] & 0x80) != 0;
  r.header.payload_type = p[1] & 0x7f;
  r.header.sequence = get16(&p[2]);
  r.header.timestamp = get32(&p[4]);
  r.header.ssrc = get32(&p[8]);
  size_t off = kRtpHeaderSize + 4 * size_t{static_cast<uint8_t>(p[0] & 0x0f)};
  if (p[0] & 0x10) {
    if (p.size() < off + 4) return std::nullopt;
    off += 4 + 4 * size_t{get16(&p[off + 2])};
  }
  size_t end = p.size();
  if (p[0] & 0x20) {
    uint8_t pad = p[p.size() - 1];
    if (pad == 0 || pad > end) return std::nullopt;
    end -= pad;
  }
  if (off > end) return std::nullopt;
  r.payload_offset = off;
  r.payload_size = end - off;
  return r;
}

uint8_t linear_to_ulaw(int16_t sample) {
  constexpr int kBias = 0x84, kClip = 32635;
  int s = sample;
  int sign = (s >> 8) & 0x80;
  if (sign) s = -s;
  if (s > kClip) s = kClip;
  s += kBias;
  int exponent = 7;
  for (int mask = 0x4000; (s & mask) == 0 && exponent > 0; mask >>= 1) --exponent;
  int mantissa = (s >> (exponent + 3)) & 0x0f;
  return static_cast<uint8_t>(~(sign | (exponent << 4) | mantissa));
}

const std::vector<uint8_t>& tone_frame() {
  static const std::vector<uint8_t> frame = [] {
    std::vector<uint8_t> f(kPcmuFrameSamples);
    for (size_t i = 0; i < f.size(); ++i) {
      double v = 8000.0 * std::sin(2.0 * M_PI * 1000.0 * static_cast<double>(i) / 8000.0);
      f[i] = linear_to_ulaw(static_cast<int16_t>(std::lround(v)));
    }
    return f;
  }();
  return frame;
}

std::vector<uint8_t> tone_packet(const RtpHeader& h, size_t trailer_room) {
  const auto& frame = tone_frame();
  std::vector<uint8_t> p(kRtpHeaderSize + frame.size() + trailer_room);
  write_rtp_header(h, p.data());
  std::copy(frame.begin(), frame.end(), p.begin() + kRtpHeaderSize);
  p.resize(kRtpHeaderSize + frame.size());
  return p;
}

std::vector<uint8_t> sender_report(uint32_t ssrc, uint32_t rtp_timestamp, uint32_t packets, uint32_t octets,
                                   size_t trailer_room) {
  std::vector<uint8_t> p(28 + trailer_room);
  p[0] = 0x80;  // V=2, RC=0
  p[1] = 200;   // SR
  put16(&p[2], 6);  // length in 32-bit words minus one
  put32(&p[4], ssrc);
  auto now = std::chrono::system_clock::now().time_since_epoch();
  uint64_t us = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(now).count());
  uint32_t ntp_sec = static_cast<uint32_t>(us / 1000000 + 2208988800ULL);
  uint32_t ntp_frac = static_cast<uint32_t>(((us % 1000000) << 32) / 1000000);
  put32(&p[8], ntp_sec);
  put32(&p[12], ntp_frac);
  put32(&p[16], rtp_timestamp);
  put32(&p[20], packets);
  put32(&p[24], octets);
  p.resize(28);
  return p;
}

std::vector<uint8_t> receiver_report(uint32_t ssrc, const ReportBlock& b) {
  std::vector<uint8_t> p(32);
  p[0] = 0x81;  // V=2, RC=1
  p[1] = 201;   // RR
  put16(&p[2], 7);  // length in 32-bit words minus one
  put32(&p[4], ssrc);
  put32(&p[8], b.source_ssrc);
  put32(&p[12], (uint32_t{b.fraction_lost} << 24) | std::min<uint32_t>(b.cumulative_lost, 0x7fffff));
  put32(&p[16], b.extended_highest);
  put32(&p[20], b.jitter);
  put32(&p[24], b.last_sr);
  put32(&p[28], b.delay_since_last_sr);
  return p;
}

}  // namespace imsguard::media
