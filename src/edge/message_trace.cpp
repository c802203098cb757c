#include "edge/message_trace.h"

#include <spdlog/spdlog.h>

#include <string>

namespace imsguard::edge {

namespace {

// Bytes from the network made safe for a log line: printable ASCII kept, the rest escaped.
std::string printable(std::string_view bytes, size_t max) {
  std::string out;
  for (size_t i = 0; i < bytes.size() && out.size() < max; ++i) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c == '\r') out += "\\r";
    else if (c == '\n') out += "\\n";
    else if (c >= 0x20 && c < 0x7f) out += static_cast<char>(c);
    else {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (out.size() >= max) out += "...";
  return out;
}

void trace(std::string_view arrow, const net::Flow& flow, std::string_view bytes) {
  if (!spdlog::should_log(spdlog::level::debug)) return;
  if (spdlog::should_log(spdlog::level::trace)) {
    spdlog::trace("sip {} {} ({} bytes): {}", arrow, flow.to_string(), bytes.size(), printable(bytes, 65536));
    return;
  }
  std::string_view first = bytes.substr(0, bytes.find('\n'));
  spdlog::debug("sip {} {} ({} bytes): {}", arrow, flow.to_string(), bytes.size(), printable(first, 200));
}

}  // namespace

void trace_received(const net::Flow& flow, std::string_view bytes) { trace("<-", flow, bytes); }

void trace_sent(const net::Flow& flow, std::string_view bytes) { trace("->", flow, bytes); }

bool TracingSender::send_to(const net::Flow& flow, std::string_view bytes) {
  trace_sent(flow, bytes);
  return inner_ && inner_->send_to(flow, bytes);
}

}  // namespace imsguard::edge
