#include "client/transport.h"

#include "client/transport_impl.h"

namespace imsguard::client {

std::optional<TransportKind> parse_transport_kind(std::string_view name) {
  if (name == "udp" || name == "UDP") return TransportKind::kUdp;
  if (name == "tcp" || name == "TCP") return TransportKind::kTcp;
  if (name == "tls" || name == "TLS") return TransportKind::kTls;
  return std::nullopt;
}

std::string_view transport_token(TransportKind kind) {
  switch (kind) {
    case TransportKind::kUdp: return "udp";
    case TransportKind::kTcp: return "tcp";
    case TransportKind::kTls: return "tls";
  }
  return "udp";
}

std::string_view via_token(TransportKind kind) {
  switch (kind) {
    case TransportKind::kUdp: return "UDP";
    case TransportKind::kTcp: return "TCP";
    case TransportKind::kTls: return "TLS";
  }
  return "UDP";
}

StatusOr<ServerAddress> parse_server_address(std::string_view text) {
  ServerAddress out;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return invalid_argument("server '" + std::string(text) + "': expected [IPv6]:PORT");
    }
    out.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) {
      return invalid_argument("server '" + std::string(text) + "': expected HOST:PORT (IPv6 as [addr]:PORT)");
    }
    out.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  if (out.host.empty()) {
    return invalid_argument("server '" + std::string(text) + "': empty host");
  }
  unsigned port = 0;
  if (port_text.empty() || port_text.size() > 5) port = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9') {
      port = 0;
      break;
    }
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (port == 0 || port > 65535) {
    return invalid_argument("server '" + std::string(text) + "': port must be 1..65535");
  }
  out.port = static_cast<uint16_t>(port);
  return out;
}

StatusOr<std::unique_ptr<Transport>> open_transport(const TransportOptions& options) {
  if (options.kind == TransportKind::kUdp) return detail::open_udp(options);
  return detail::open_stream(options);
}

namespace detail {

std::string uri_host(const std::string& host) {
  if (host.find(':') != std::string::npos && (host.empty() || host.front() != '[')) return "[" + host + "]";
  return host;
}

void Inbox::fail(Received::Status status, std::string why, Repeat repeat) {
  failure_ = std::move(why);
  failure_status_ = status;
  repeat_ = repeat;
}

Received Inbox::take() {
  Received r;
  if (!messages_.empty()) {
    r.status = Received::Status::kMessage;
    r.bytes = std::move(messages_.front());
    messages_.pop_front();
  } else if (failed()) {
    r.status = failure_status_;
    r.error = failure_;
    if (repeat_ == Repeat::kOnce) failure_.clear();
  }
  return r;
}

}  // namespace detail

}  // namespace imsguard::client
