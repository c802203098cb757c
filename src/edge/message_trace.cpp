#include "edge/message_trace.h"

#include "common/log_text.h"

#include <spdlog/spdlog.h>

#include <string>

namespace imsguard::edge {

namespace {

void trace(std::string_view arrow, const net::Flow& flow, std::string_view bytes) {
  if (!spdlog::should_log(spdlog::level::debug)) return;
  if (spdlog::should_log(spdlog::level::trace)) {
    spdlog::trace("sip {} {} ({} bytes): {}", arrow, flow.to_string(), bytes.size(), log_safe(bytes, 65536));
    return;
  }
  std::string_view first = bytes.substr(0, bytes.find('\n'));
  spdlog::debug("sip {} {} ({} bytes): {}", arrow, flow.to_string(), bytes.size(), log_safe(first, 200));
}

}  // namespace

void trace_received(const net::Flow& flow, std::string_view bytes) { trace("<-", flow, bytes); }

void trace_sent(const net::Flow& flow, std::string_view bytes) { trace("->", flow, bytes); }

bool TracingSender::send_to(const net::Flow& flow, std::string_view bytes) {
  trace_sent(flow, bytes);
  return inner_ && inner_->send_to(flow, bytes);
}

}  // namespace imsguard::edge
