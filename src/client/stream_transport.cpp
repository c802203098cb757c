// TCP and TLS flows: one connection, messages cut out of the byte stream by the same
// framer the edge uses, RFC 5626 keep-alive pings answered. TLS verifies the edge's
// certificate chain against the given CA and its name (or IP address) against the host we
// dialled: a client that skips either would hand its credentials to anyone on the path.
#include "client/transport_impl.h"

#include "sip/parser.h"
#include "sip/stream_framer.h"

#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl.hpp>
#include <asio/write.hpp>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <array>
#include <memory>

#include "net/tls_context.h"

namespace imsguard::client::detail {

namespace {

// The part that differs between TCP and TLS: what the socket object is.
struct TcpLayer {
  explicit TcpLayer(asio::io_context& io) : stream(io) {}
  asio::ip::tcp::socket& lowest() { return stream; }
  asio::ip::tcp::socket stream;
};

struct TlsLayer {
  TlsLayer(asio::io_context& io, std::shared_ptr<asio::ssl::context> c) : ctx(std::move(c)), stream(io, *ctx) {}
  asio::ip::tcp::socket& lowest() { return stream.next_layer(); }
  std::shared_ptr<asio::ssl::context> ctx;  // must outlive the stream
  asio::ssl::stream<asio::ip::tcp::socket> stream;
};

template <class Layer>
class StreamTransport final : public Transport {
 public:
  template <class... Args>
  StreamTransport(TransportKind kind, Args&&... args) : kind_(kind), layer_(io_, std::forward<Args>(args)...) {}

  ~StreamTransport() override {
    asio::error_code ec;
    layer_.lowest().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    layer_.lowest().close(ec);
    drain(io_, [&] { return !reading_ && !writing_; });
  }

  // kUnavailable: no resolution, no connection or no trusted handshake within the timeout.
  Status connect(const TransportOptions& o) {
    Clock::time_point deadline = Clock::now() + o.connect_timeout;
    std::string where = std::string(transport_token(kind_)) + " " + uri_host(o.server.host) + ":" +
                        std::to_string(o.server.port);
    asio::error_code ec;
    asio::ip::tcp::resolver resolver(io_);
    auto endpoints = resolver.resolve(o.server.host, std::to_string(o.server.port), ec);
    if (ec || endpoints.empty()) return unavailable_error("cannot resolve '" + o.server.host + "': " + ec.message());

    std::optional<asio::error_code> connected;
    asio::async_connect(layer_.lowest(), endpoints,
                        [&](const asio::error_code& e, const asio::ip::tcp::endpoint&) { connected = e; });
    if (!run_until(io_, deadline, [&] { return connected.has_value(); })) {
      layer_.lowest().close(ec);
      drain(io_, [&] { return connected.has_value(); });
      return unavailable_error("cannot connect to " + where + ": no answer within " +
                               std::to_string(o.connect_timeout.count()) + " ms");
    }
    if (*connected) return unavailable_error("cannot connect to " + where + ": " + connected->message());
    layer_.lowest().set_option(asio::ip::tcp::no_delay(true), ec);

    if constexpr (std::is_same_v<Layer, TlsLayer>) {
      if (Status shaken = handshake(o, deadline, where); !shaken.ok()) return shaken;
    }
    auto local = layer_.lowest().local_endpoint(ec);
    if (ec) return unavailable_error(where + ": " + ec.message());
    local_host_ = local.address().to_string();
    local_port_ = local.port();
    describe_ = where;
    return {};
  }

  TransportKind kind() const override { return kind_; }
  std::string local_host() const override { return local_host_; }
  uint16_t local_port() const override { return local_port_; }
  std::string describe() const override { return describe_; }

  Status send(std::string_view bytes) override {
    if (inbox_.failed()) return unavailable_error(inbox_.failure());
    // Stream writes are queued and run by the same loop as the pending read (an SSL stream
    // must not be written synchronously while a read is in flight).
    std::optional<asio::error_code> done;
    auto data = std::make_shared<std::string>(bytes);
    writing_ = true;
    asio::async_write(layer_.stream, asio::buffer(*data), [&, data](const asio::error_code& e, size_t) {
      writing_ = false;
      done = e;
    });
    if (!run_until(io_, Clock::now() + std::chrono::seconds(10), [&] { return done.has_value(); })) {
      asio::error_code ec;
      layer_.lowest().close(ec);
      drain(io_, [&] { return done.has_value(); });
      lose(describe_ + ": send blocked for 10 s; connection closed");
      return unavailable_error(inbox_.failure());
    }
    if (*done) {
      lose(describe_ + ": send failed: " + done->message());
      return unavailable_error(inbox_.failure());
    }
    return {};
  }

  Received receive(Clock::time_point deadline) override {
    return receive_until(io_, deadline, inbox_, reading_, [this] { start_read(); });
  }

 private:
  // The flow is unusable from now on: every later send() and receive() reports `why`.
  void lose(std::string why) { inbox_.fail(Received::Status::kError, std::move(why), Inbox::Repeat::kSticky); }

  Status handshake(const TransportOptions& o, Clock::time_point deadline, const std::string& where) {
    auto& s = layer_.stream;
    asio::error_code ec;
    s.set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert, ec);
    s.set_verify_callback(asio::ssl::host_name_verification(o.server.host), ec);
    asio::ip::make_address(o.server.host, ec);
    if (ec) SSL_set_tlsext_host_name(s.native_handle(), o.server.host.c_str());  // SNI for names only
    std::optional<asio::error_code> done;
    s.async_handshake(asio::ssl::stream_base::client, [&](const asio::error_code& e) { done = e; });
    if (!run_until(io_, deadline, [&] { return done.has_value(); })) {
      layer_.lowest().close(ec);
      drain(io_, [&] { return done.has_value(); });
      return unavailable_error("TLS handshake with " + where + " did not complete in time");
    }
    if (*done) {
      long verify = SSL_get_verify_result(s.native_handle());
      std::string why = verify != X509_V_OK ? std::string("certificate not trusted: ") +
                                                  X509_verify_cert_error_string(verify)
                                            : done->message();
      return unavailable_error("TLS handshake with " + where + " failed: " + why + " (CA file " + o.ca_file +
                               ")");
    }
    return {};
  }

  void start_read() {
    reading_ = true;
    layer_.stream.async_read_some(asio::buffer(chunk_), [this](const asio::error_code& ec, size_t n) {
      reading_ = false;
      if (ec == asio::error::operation_aborted) return;
      if (ec) {
        bool closed = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
        if (closed)
          inbox_.fail(Received::Status::kClosed, describe_ + ": the server closed the connection", Inbox::Repeat::kSticky);
        else
          lose(describe_ + ": " + ec.message());
        return;
      }
      buffer_.append(chunk_.data(), n);
      frame();
    });
  }

  void frame() {
    while (!buffer_.empty()) {
      sip::FrameResult f = framer_.next(buffer_);
      if (f.kind == sip::FrameKind::kNeedMore) return;
      if (f.kind == sip::FrameKind::kError) {
        lose(describe_ + ": unframeable stream from the server (" + std::string(f.reason) + ")");
        buffer_.clear();
        return;
      }
      if (f.kind == sip::FrameKind::kMessage) inbox_.deliver(buffer_.substr(0, f.length));
      if (f.kind == sip::FrameKind::kKeepAlive && f.pong_needed) pong_ = true;
      buffer_.erase(0, f.length);
      framer_.reset();
    }
    if (pong_ && !writing_) {
      pong_ = false;
      auto data = std::make_shared<std::string>("\r\n");
      writing_ = true;
      asio::async_write(layer_.stream, asio::buffer(*data), [this, data](const asio::error_code&, size_t) {
        writing_ = false;
      });
    }
  }

  TransportKind kind_;
  asio::io_context io_;
  Layer layer_;
  sip::StreamFramer framer_;
  std::array<char, 16384> chunk_{};
  std::string buffer_;
  Inbox inbox_;
  bool reading_ = false;
  bool writing_ = false;
  bool pong_ = false;
  std::string local_host_;
  uint16_t local_port_ = 0;
  std::string describe_;
};

}  // namespace

StatusOr<std::unique_ptr<Transport>> open_stream(const TransportOptions& o) {
  if (o.kind == TransportKind::kTcp) {
    auto t = std::make_unique<StreamTransport<TcpLayer>>(TransportKind::kTcp);
    if (Status connected = t->connect(o); !connected.ok()) return connected;
    return std::unique_ptr<Transport>(std::move(t));
  }
  if (o.ca_file.empty())
    return invalid_argument("TLS needs the CA that issued the edge's certificate (--ca, e.g. <data_dir>/pki/ca.crt)");
  net::TlsFiles files;
  files.ca = o.ca_file;
  auto ctx = net::make_tls_context(files, net::TlsRole::kClient, false);
  if (!ctx.ok()) return Status(ctx.code(), "TLS: " + ctx.message());
  auto t = std::make_unique<StreamTransport<TlsLayer>>(TransportKind::kTls, ctx.value());
  if (Status connected = t->connect(o); !connected.ok()) return connected;
  return std::unique_ptr<Transport>(std::move(t));
}

}  // namespace imsguard::client::detail
