#include "service/service_client.h"

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <sys/socket.h>

#include "net/tls_context.h"
#include "service/peer_pin.h"
#include <cstdlib>

namespace imsguard::service {

std::unique_ptr<ServiceClient> ServiceClient::create(const ServiceNodeFiles& files, const std::string& core_key,
                                                     config::Endpoint box, std::string& error) {
  auto pin = certificate_fingerprint(files.cert, &error);
  if (!pin) return nullptr;
  auto tls = net::make_tls_context({files.ca, files.core_cert, core_key, "1.2"}, net::TlsRole::kClient, false);
  if (!tls.context) {
    error = "core -> servicebox tls: " + tls.error;
    return nullptr;
  }
  pin_peer_certificate(*tls.context, *pin);
  return std::unique_ptr<ServiceClient>(new ServiceClient(tls.context, std::move(box)));
}

ExchangeResult ServiceClient::exchange(const std::string& request) const {
  ExchangeResult out;
  asio::io_context io;
  asio::ssl::stream<asio::ip::tcp::socket> stream(io, *ctx_);
  asio::error_code ec;
  auto address = asio::ip::make_address(box_.address, ec);
  if (ec) return {{}, "bad servicebox address " + box_.address};
  stream.lowest_layer().connect({address, box_.port}, ec);
  if (ec) return {{}, "servicebox unreachable: " + ec.message()};
  timeval tv{3, 0};
  setsockopt(stream.lowest_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(stream.lowest_layer().native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  stream.handshake(asio::ssl::stream_base::client, ec);
  if (ec) return {{}, "servicebox TLS handshake failed: " + ec.message()};
  asio::write(stream, asio::buffer(request), ec);
  if (ec) return {{}, "servicebox write failed: " + ec.message()};
  // One answer: headers, then Content-Length bytes of body.
  char buf[4096];
  std::string data;
  for (;;) {
    size_t end = data.find("\r\n\r\n");
    if (end != std::string::npos) {
      size_t body = 0;
      size_t pos = data.find("\r\nContent-Length:");
      if (pos != std::string::npos && pos < end) body = std::strtoul(data.c_str() + pos + 17, nullptr, 10);
      if (data.size() >= end + 4 + body) {
        out.response = data.substr(0, end + 4 + body);
        return out;
      }
    }
    if (data.size() > 65535) return {{}, "servicebox answer too large"};
    size_t n = stream.read_some(asio::buffer(buf), ec);
    if (ec) return {{}, "servicebox closed or timed out: " + ec.message()};
    data.append(buf, n);
  }
}

}  // namespace imsguard::service
