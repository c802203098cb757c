#include "service/service_client.h"

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "net/tls_context.h"
#include "ops/counters.h"
#include "service/peer_pin.h"

namespace imsguard::service {
namespace {

constexpr size_t kMaxAnswer = 65535;

// Length of the first complete SIP message in `data` (headers, then Content-Length bytes),
// 0 while incomplete.
size_t complete_message(std::string_view data) {
  size_t end = data.find("\r\n\r\n");
  if (end == std::string_view::npos) return 0;
  size_t body = 0;
  size_t line = data.find("\r\n");
  while (line < end) {
    size_t start = line + 2;
    size_t next = data.find("\r\n", start);
    std::string_view l = data.substr(start, next - start);
    size_t colon = l.find(':');
    if (colon != std::string_view::npos) {
      std::string_view name = l.substr(0, colon);
      while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
      bool is_length = (name.size() == 14 && strncasecmp(name.data(), "Content-Length", 14) == 0) ||
                       (name.size() == 1 && (name[0] == 'l' || name[0] == 'L'));
      if (is_length) body = std::strtoul(std::string(l.substr(colon + 1)).c_str(), nullptr, 10);
    }
    line = next;
  }
  if (body > kMaxAnswer) return 0;
  return data.size() >= end + 4 + body ? end + 4 + body : 0;
}

// Connects `socket` to `to`, waiting at most `timeout`: "" on success, else why not.
std::string connect_within(asio::basic_socket<asio::ip::tcp>& socket, const asio::ip::tcp::endpoint& to,
                           std::chrono::milliseconds timeout) {
  asio::error_code ec;
  socket.open(to.protocol(), ec);
  if (!ec) socket.non_blocking(true, ec);
  if (ec) return ec.message();
  socket.connect(to, ec);
  if (ec == asio::error::in_progress || ec == asio::error::would_block) {
    pollfd p{socket.native_handle(), POLLOUT, 0};
    int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (ready == 0) return "connect timed out after " + std::to_string(timeout.count()) + " ms";
    if (ready < 0) return std::strerror(errno);
    int so_error = 0;
    socklen_t len = sizeof so_error;
    if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_ERROR, &so_error, &len) != 0) return std::strerror(errno);
    if (so_error != 0) return std::strerror(so_error);
    ec.clear();
  }
  if (ec) return ec.message();
  return {};
}

}  // namespace

struct ServiceClient::Connection {
  explicit Connection(asio::ssl::context& ctx) : stream(io, ctx) {}
  asio::io_context io;
  asio::ssl::stream<asio::ip::tcp::socket> stream;

  // Runs one asynchronous operation on this connection's own loop for at most `timeout`.
  // Socket timeouts (SO_RCVTIMEO) do not bound asio's synchronous calls: on EAGAIN they
  // poll again without limit, so a box that accepts and stays silent held the caller for
  // ever. A late operation is cancelled (the socket closed) and reported as timed_out.
  template <class Start>
  asio::error_code bounded(std::chrono::milliseconds timeout, Start start, size_t* bytes = nullptr) {
    std::optional<asio::error_code> done;
    io.restart();
    start([&](const asio::error_code& ec, size_t n = 0) {
      done = ec;
      if (bytes) *bytes = n;
    });
    io.run_for(timeout);
    if (done) return *done;
    asio::error_code ignored;
    stream.lowest_layer().close(ignored);  // the handler runs once more, with operation_aborted
    io.restart();
    io.run();
    return asio::error::timed_out;
  }

  // An idle connection with something to read has been closed (or spoken to) by the box:
  // not reusable.
  bool looks_closed() {
    pollfd p{stream.lowest_layer().native_handle(), POLLIN, 0};
    return ::poll(&p, 1, 0) != 0;
  }
};

ServiceClient::ServiceClient(ops::CounterRegistry& metrics, std::shared_ptr<asio::ssl::context> ctx,
                             config::Endpoint box, ServiceClientOptions options)
    : ctx_(std::move(ctx)),
      box_(std::move(box)),
      options_(options),
      handshake_counter_(metrics.get("imsguard_service_tls_handshakes_total",
                                     "mutual TLS handshakes the core started with the service box (failed ones included)")) {}

ServiceClient::~ServiceClient() = default;

StatusOr<std::unique_ptr<ServiceClient>> ServiceClient::create(ops::CounterRegistry& metrics,
                                                               const ServiceNodeFiles& files,
                                                               const std::string& core_key, config::Endpoint box,
                                                               ServiceClientOptions options) {
  auto pin = certificate_fingerprint(files.cert);
  if (!pin.ok()) return pin.status();
  auto tls = net::make_tls_context({files.ca, files.core_cert, core_key, "1.2"}, net::TlsRole::kClient, false);
  if (!tls.ok()) return Status(tls.code(), "core -> servicebox tls: " + tls.message());
  pin_peer_certificate(**tls, *pin);
  return std::unique_ptr<ServiceClient>(new ServiceClient(metrics, tls.value(), std::move(box), options));
}

size_t ServiceClient::idle() const {
  std::lock_guard lock(mutex_);
  return idle_.size();
}

std::unique_ptr<ServiceClient::Connection> ServiceClient::take_idle() {
  std::lock_guard lock(mutex_);
  while (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    if (!options_.probe_idle || !c->looks_closed()) return c;
  }
  return nullptr;
}

void ServiceClient::give_back(std::unique_ptr<Connection> c) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < options_.max_idle) idle_.push_back(std::move(c));
}

StatusOr<std::unique_ptr<ServiceClient::Connection>> ServiceClient::connect() {
  auto c = std::make_unique<Connection>(*ctx_);
  asio::error_code ec;
  auto address = asio::ip::make_address(box_.address, ec);
  if (ec) return invalid_argument("bad servicebox address " + box_.address);
  // A connect to a box that drops our SYNs would wait for the kernel's retries (minutes):
  // it gets the same bound as a read or a write.
  if (auto why = connect_within(c->stream.lowest_layer(), {address, box_.port}, options_.timeout); !why.empty())
    return unavailable_error("servicebox unreachable: " + why);
  ++handshakes_;
  handshake_counter_.inc();
  ec = c->bounded(options_.timeout, [&](auto handler) {
    c->stream.async_handshake(asio::ssl::stream_base::client,
                              [handler](const asio::error_code& e) mutable { handler(e); });
  });
  if (ec) return unavailable_error("servicebox TLS handshake failed: " + ec.message());
  return c;
}

StatusOr<std::string> ServiceClient::exchange(const std::string& request) {
  // A pooled connection may have been closed by the box since its last use; when it fails
  // before any answer byte arrives, the request goes once more over a fresh connection.
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto c = attempt == 0 ? take_idle() : nullptr;
    bool reused = c != nullptr;
    if (!c) {
      auto fresh = connect();
      if (!fresh.ok()) return fresh.status();
      c = std::move(fresh).value();
    }
    asio::error_code ec = c->bounded(options_.timeout, [&](auto handler) {
      asio::async_write(c->stream, asio::buffer(request),
                        [handler](const asio::error_code& e, size_t n) mutable { handler(e, n); });
    });
    if (ec) {
      if (reused) continue;
      return unavailable_error("servicebox write failed: " + ec.message());
    }
    std::string data;
    char buf[4096];
    for (;;) {
      if (size_t n = complete_message(data)) {
        bool extra = n != data.size();  // bytes we did not ask for: do not reuse
        data.resize(n);
        if (!extra) give_back(std::move(c));
        return data;
      }
      if (data.size() > kMaxAnswer) return unavailable_error("servicebox answer too large");
      size_t got = 0;
      ec = c->bounded(
          options_.timeout,
          [&](auto handler) {
            c->stream.async_read_some(asio::buffer(buf),
                                      [handler](const asio::error_code& e, size_t n) mutable { handler(e, n); });
          },
          &got);
      if (ec) break;
      data.append(buf, got);
    }
    // Closed under us (not a timeout: a slow box may be working on the request).
    bool closed = ec == asio::error::eof || ec == asio::error::connection_reset ||
                  ec == asio::error::broken_pipe || ec == asio::ssl::error::stream_truncated;
    if (reused && data.empty() && closed) continue;
    return unavailable_error("servicebox closed or timed out: " + ec.message());
  }
  return unavailable_error("servicebox connection lost");
}

}  // namespace imsguard::service
