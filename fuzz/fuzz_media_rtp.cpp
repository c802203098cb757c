// libFuzzer target for plain RTP/RTCP as a media sink receives it (RFC 3550, RFC 5761
// multiplexing): the header parser and the receiver's sequence, jitter and sender-report
// handling. A parsed packet's payload lies inside the datagram. The input is cut into
// datagrams at each "\xff\xfe" marker so one run sees a stream, not a single packet.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "media/rtp.h"
#include "media/stream_receiver.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace imsguard::media;
  StreamReceiver receiver(nullptr);
  size_t start = 0;
  while (start <= size) {
    size_t end = start;
    while (end + 1 < size && !(data[end] == 0xff && data[end + 1] == 0xfe)) ++end;
    if (end + 1 >= size) end = size;
    // An exact-size copy, so ASan sees a read past the datagram.
    std::vector<uint8_t> packet(data + start, data + end);
    if (auto rtp = parse_rtp(packet)) {
      if (rtp->payload_offset > packet.size() || rtp->payload_size > packet.size() - rtp->payload_offset) std::abort();
    }
    (void)is_rtcp(packet);
    receiver.on_datagram(packet.data(), packet.size());
    start = end + 2;
  }
  (void)receiver.report_block(std::chrono::steady_clock::time_point{} + std::chrono::seconds(1));
  return 0;
}
