// libFuzzer target for the SIP message parser (datagram and stream framing) and every
// typed view on the parsed message. Checks, besides "no crash": the parser never claims
// more bytes than it got, and every view it returns lies inside the input (zero-copy).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sip/message.h"
#include "sip/parser.h"
#include "sip/sdp.h"

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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  g_input = std::string_view(reinterpret_cast<const char*>(data), size);
  Limits limits;
  Message m;
  ParseResult r = parse_datagram(g_input, limits, m);
  if (r.consumed > size) std::abort();
  if (r.status != ParseStatus::kDrop) exercise(m);

  Message s;
  ParseResult rs = parse_stream_message(g_input, limits, s);
  if (rs.consumed > size) std::abort();
  if (rs.status != ParseStatus::kDrop) exercise(s);

  // Tight limits take the refusal paths (413/513-style) that large seeds rarely reach.
  Limits tight{512, 8, 128, 2};
  Message t;
  ParseResult rt = parse_datagram(g_input, tight, t);
  if (rt.consumed > size) std::abort();
  if (rt.status == ParseStatus::kOk && t.raw().size() > tight.max_message_bytes) std::abort();
  return 0;
}
