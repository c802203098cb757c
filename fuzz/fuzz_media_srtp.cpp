// libFuzzer target for SRTP/SRTCP unprotect (RFC 3711, RFC 7714) as a keyed media sink runs
// it on datagrams from the network. The first byte picks the suite and the mode: even, the
// rest is a datagram as received (the authentication check and what precedes it); odd, the
// rest is a plaintext RTP or RTCP packet that the target protects with the sender's key
// first, so the receiver's parsers behind a valid tag are reached too. A packet protected
// with the key must unprotect to exactly the plaintext.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "media/rtp.h"
#include "media/srtp_session.h"
#include "media/stream_receiver.h"

namespace {

using namespace imsguard::media;

std::unique_ptr<SrtpSession> session(SrtpSuite suite, SrtpSession::Direction direction) {
  std::vector<uint8_t> key_salt(master_length(suite));
  for (size_t i = 0; i < key_salt.size(); ++i) key_salt[i] = static_cast<uint8_t>(0x11 * (i + 1));
  auto s = SrtpSession::create(suite, key_salt, direction);
  if (!s.ok()) std::abort();
  return std::move(s).value();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool initialised = srtp_library_init().ok();
  if (!initialised) std::abort();
  if (size == 0) return 0;
  constexpr SrtpSuite kSuites[] = {SrtpSuite::kAesCm128HmacSha1_80, SrtpSuite::kAesCm128HmacSha1_32,
                                   SrtpSuite::kAeadAes128Gcm};
  SrtpSuite suite = kSuites[(data[0] >> 1) % 3];
  std::vector<uint8_t> packet(data + 1, data + size);
  auto rx = session(suite, SrtpSession::Direction::kReceive);
  if (data[0] & 1) {
    // Only well-formed packets are ever protected (the sender builds its own).
    bool rtcp = is_rtcp(packet);
    if (rtcp ? packet.size() < 8 : !parse_rtp(packet)) return 0;
    const std::vector<uint8_t> plain = packet;
    auto tx = session(suite, SrtpSession::Direction::kSend);
    if ((rtcp ? tx->protect_rtcp(packet) : tx->protect_rtp(packet)) != SrtpStatus::kOk) return 0;
    std::vector<uint8_t> copy = packet;
    SrtpStatus back = rtcp ? rx->unprotect_rtcp(copy) : rx->unprotect_rtp(copy);
    if (back != SrtpStatus::kOk || copy != plain) std::abort();
    rx = session(suite, SrtpSession::Direction::kReceive);  // the receiver below sees it first
  } else {
    std::vector<uint8_t> copy = packet;
    SrtpStatus s = is_rtcp(copy) ? rx->unprotect_rtcp(copy) : rx->unprotect_rtp(copy);
    if (s == SrtpStatus::kOk && copy.size() > packet.size()) std::abort();
    rx = session(suite, SrtpSession::Direction::kReceive);
  }
  StreamReceiver receiver(std::move(rx));
  receiver.on_datagram(packet.data(), packet.size());
  return 0;
}
