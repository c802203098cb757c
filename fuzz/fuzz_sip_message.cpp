// libFuzzer target for the SIP message parser (datagram and stream), the stream framer,
// the message writer and every typed view on the parsed message. Checks, besides "no
// crash": the parser never claims more bytes than it got, every view it returns lies
// inside the input (zero-copy), and what the writer forwards parses again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sip/message.h"
#include "sip/parser.h"
#include "sip/sdp.h"
#include "sip/stream_framer.h"
#include "sip/writer.h"

namespace {

using namespace imsguard::sip;

std::string_view g_input;

void inside(std::string_view part) {
  if (part.empty()) return;
  if (part.data() < g_input.data() || part.data() + part.size() > g_input.data() + g_input.size()) std::abort();
}

void exercise(const Message& m) {
  for (std::string_view v : {m.method_name(), m.request_uri(), m.version(), m.reason(), m.start_line(), m.body(),
                             m.raw(), m.head()}) {
    inside(v);
  }
  for (const HeaderField& f : m.headers()) {
    inside(f.name);
    inside(f.value);
    inside(f.raw);
  }
  (void)m.call_id();
  (void)m.cseq();
  (void)m.max_forwards();
  (void)m.top_via();
  (void)m.vias();
  (void)m.from();
  (void)m.to();
  (void)m.contacts();
  (void)m.routes();
  (void)m.record_routes();
  (void)m.p_asserted_identities();
  (void)m.p_preferred_identities();
  (void)m.expires();
  (void)m.find("Authorization");
  (void)m.values(HeaderId::kOther);
  if (m.content_type() == "application/sdp") (void)parse_sdp(m.body());
}

// A proxy's edit of an accepted message must still be an accepted message.
void forward(const Message& m, const Limits& limits) {
  std::string out = MessageWriter(m).prepend_via("SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKfuzz").str();
  // The edit adds a Via and maybe a Content-Length line: allow for them.
  Limits grown{limits.max_message_bytes + 256, limits.max_headers + 2, limits.max_header_bytes, limits.max_via + 1};
  Message again;
  if (parse_datagram(out, grown, again).status != ParseStatus::kOk) std::abort();
}

// The stream path: frame the input as if it arrived in two reads, then parse each frame.
void stream(std::string_view input, const Limits& limits) {
  StreamFramer framer(limits);
  size_t split = input.size() / 2;
  std::string_view buffer = input.substr(0, split);
  bool all = false;
  for (int guard = 0; guard < 1000; ++guard) {
    FrameResult f = framer.next(buffer);
    if (f.kind == FrameKind::kError) return;
    if (f.kind == FrameKind::kNeedMore) {
      if (all) return;
      size_t offset = static_cast<size_t>(buffer.data() - input.data());
      buffer = input.substr(offset);
      all = true;
      continue;
    }
    if (f.length == 0 || f.length > buffer.size()) std::abort();  // must make progress, within the buffer
    if (f.kind == FrameKind::kMessage) {
      Message m;
      ParseResult r = parse_stream_message(buffer.substr(0, f.length), limits, m);
      if (r.consumed > f.length) std::abort();
    }
    buffer.remove_prefix(f.length);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  g_input = std::string_view(reinterpret_cast<const char*>(data), size);
  Limits limits;
  Message m;
  ParseResult r = parse_datagram(g_input, limits, m);
  if (r.consumed > size) std::abort();
  if (r.status != ParseStatus::kDrop) exercise(m);
  if (r.status == ParseStatus::kOk) forward(m, limits);

  Message s;
  ParseResult rs = parse_stream_message(g_input, limits, s);
  if (rs.consumed > size) std::abort();
  if (rs.status != ParseStatus::kDrop) exercise(s);

  stream(g_input, limits);

  // Tight limits take the refusal paths (413/513-style) that large seeds rarely reach.
  Limits tight{512, 8, 128, 2};
  Message t;
  ParseResult rt = parse_datagram(g_input, tight, t);
  if (rt.consumed > size) std::abort();
  if (rt.status == ParseStatus::kOk && t.raw().size() > tight.max_message_bytes) std::abort();
  return 0;
}
