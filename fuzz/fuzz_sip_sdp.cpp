// libFuzzer target for the SDP parser and writer. Beyond "no crash", it checks the
// property the edge relies on when it rewrites an offer: whatever parses can be written,
// and writing is a fixed point (parse(write(x)) writes the same text again).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sip/sdp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace imsguard::sip;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = parse_sdp(text);
  // A refusal is kInvalid and says why.
  if (!parsed && (parsed.code() != imsguard::Code::kInvalid || parsed.message().empty())) std::abort();
  if (!parsed) return 0;
  const Sdp& sdp = *parsed;
  // Typed views must cope with anything the parser accepted.
  for (const SdpMedia& m : sdp.media) {
    (void)sdp.connection_for(m);
    (void)sdp.direction_for(m);
    for (const auto& c : m.attributes.cryptos()) {
      for (const auto& k : c.keys) {
        (void)k.decode_key_salt();
        (void)k.lifetime_packets();
      }
    }
    for (const auto& r : m.attributes.rtpmaps()) (void)format_rtpmap(r);
    if (auto f = m.attributes.fingerprint()) (void)f->bytes();
    (void)m.attributes.setup();
  }
  auto first = write_sdp(sdp);
  if (!first) std::abort();  // a parsed SDP must always be writable
  auto again = parse_sdp(*first);
  if (!again) std::abort();
  auto second = write_sdp(*again);
  if (!second || *second != *first) std::abort();
  return 0;
}
