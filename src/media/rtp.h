#pragma once
// RTP/RTCP packet layout (RFC 3550) for the one stream shape this project sends: PCMU
// (payload type 0), 8 kHz, 20 ms (160 samples) per packet, a known 1 kHz tone so the
// receiver can check every payload byte, plus RTCP sender reports.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace imsguard::media {

inline constexpr size_t kRtpHeaderSize = 12;
inline constexpr size_t kPcmuFrameSamples = 160;  // 20 ms at 8 kHz
inline constexpr uint32_t kPacketIntervalMs = 20;

struct RtpHeader {
  uint8_t payload_type = 0;
  bool marker = false;
  uint16_t sequence = 0;
  uint32_t timestamp = 0;
  uint32_t ssrc = 0;
};

// Writes the 12-byte header (no CSRC, no extension) at `out`.
void write_rtp_header(const RtpHeader& h, uint8_t* out);
// The header of an RTP packet and where its payload starts (CSRCs and an extension
// skipped); nullopt when it is not RTP version 2 or is truncated.
struct ParsedRtp {
  RtpHeader header;
  size_t payload_offset = 0;
  size_t payload_size = 0;
};
std::optional<ParsedRtp> parse_rtp(std::span<const uint8_t> packet);

// RFC 5761 4: payload types 64-95 (marker bit included: second byte 192-223) are RTCP.
inline bool is_rtcp(std::span<const uint8_t> p) { return p.size() >= 2 && p[1] >= 192 && p[1] <= 223; }

// G.711 mu-law of one 16-bit linear sample.
uint8_t linear_to_ulaw(int16_t sample);
// The tone's 160 mu-law bytes; the same for every packet (1 kHz divides 20 ms), so a
// capture can search for them.
const std::vector<uint8_t>& tone_frame();

// A complete RTP packet carrying the tone, with room for the SRTP trailer.
std::vector<uint8_t> tone_packet(const RtpHeader& h, size_t trailer_room);

// An RTCP sender report (RFC 3550 6.4.1, no report blocks) with an empty SDES CNAME-less
// compound omitted: 28 bytes.
std::vector<uint8_t> sender_report(uint32_t ssrc, uint32_t rtp_timestamp, uint32_t packets, uint32_t octets,
                                   size_t trailer_room);

// One report block of a receiver report (RFC 3550 6.4.1): what the sink saw of a source.
struct ReportBlock {
  uint32_t source_ssrc = 0;
  uint8_t fraction_lost = 0;     // of the packets expected since the previous report, /256
  uint32_t cumulative_lost = 0;  // 24 bits on the wire
  uint32_t extended_highest = 0;
  uint32_t jitter = 0;           // interarrival jitter, RTP timestamp units
  uint32_t last_sr = 0;          // middle 32 bits of the last SR's NTP time, 0 if none
  uint32_t delay_since_last_sr = 0;  // 1/65536 s
};

// An RTCP receiver report (RFC 3550 6.4.2) from `ssrc` with one report block: 32 bytes.
std::vector<uint8_t> receiver_report(uint32_t ssrc, const ReportBlock& block);

}  // namespace imsguard::media
