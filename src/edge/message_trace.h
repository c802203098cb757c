#pragma once
// The SIP message trace of log.level debug and trace: what an operator reads to see what a
// client sent. Off the hot path unless the level asks for it (one atomic load per message).
#include "net/flow.h"

#include <string_view>

namespace imsguard::edge {

// debug: one line per message received (source, size, start line); trace: the whole message
// with control characters escaped.
void trace_received(const net::Flow& flow, std::string_view bytes);

}  // namespace imsguard::edge
