// The UDP flow: a connected socket, so the kernel passes us only datagrams from the edge and
// reports an ICMP port-unreachable as an error instead of letting us wait for a timeout.
#include "client/transport_impl.h"

#include <asio/connect.hpp>
#include <asio/ip/udp.hpp>

#include <array>

namespace imsguard::client::detail {

namespace {

class UdpTransport final : public Transport {
 public:
  UdpTransport() : socket_(io_) {}

  // kUnavailable: the name does not resolve, or no socket to it.
  Status connect(const TransportOptions& o) {
    asio::error_code ec;
    asio::ip::udp::resolver resolver(io_);
    auto endpoints = resolver.resolve(o.server.host, std::to_string(o.server.port), ec);
    if (ec || endpoints.empty()) return unavailable_error("cannot resolve '" + o.server.host + "': " + ec.message());
    // Connecting a UDP socket sends nothing; it fixes the peer and picks our local address.
    asio::connect(socket_, endpoints, ec);
    if (ec)
      return unavailable_error("cannot use udp " + o.server.host + ":" + std::to_string(o.server.port) + ": " +
                               ec.message());
    auto local = socket_.local_endpoint(ec);
    auto remote = socket_.remote_endpoint(ec);
    if (ec) return unavailable_error("udp socket: " + ec.message());
    local_host_ = local.address().to_string();
    local_port_ = local.port();
    describe_ = "udp " + uri_host(remote.address().to_string()) + ":" + std::to_string(remote.port());
    return {};
  }

  TransportKind kind() const override { return TransportKind::kUdp; }
  std::string local_host() const override { return local_host_; }
  uint16_t local_port() const override { return local_port_; }
  std::string describe() const override { return describe_; }

  Status send(std::string_view bytes) override {
    asio::error_code ec;
    socket_.send(asio::buffer(bytes.data(), bytes.size()), 0, ec);
    if (ec) return unavailable_error(describe_ + ": send failed: " + ec.message());
    return {};
  }

  Received receive(Clock::time_point deadline) override {
    return receive_until(io_, deadline, inbox_, reading_, [this] { start_read(); });
  }

  ~UdpTransport() override {
    asio::error_code ec;
    socket_.close(ec);
    drain(io_, [&] { return !reading_; });
  }

 private:
  void start_read() {
    reading_ = true;
    socket_.async_receive(asio::buffer(buffer_), [this](const asio::error_code& ec, size_t n) {
      reading_ = false;
      if (ec == asio::error::operation_aborted) return;
      if (ec == asio::error::connection_refused) {
        inbox_.fail(Received::Status::kError, "nothing listens on " + describe_ + " (ICMP port unreachable)",
                    Inbox::Repeat::kOnce);
        return;
      }
      if (ec) {
        inbox_.fail(Received::Status::kError, describe_ + ": receive failed: " + ec.message(), Inbox::Repeat::kOnce);
        return;
      }
      if (n > 0) inbox_.deliver(std::string(buffer_.data(), n));
    });
  }

  asio::io_context io_;
  asio::ip::udp::socket socket_;
  std::array<char, 65536> buffer_{};
  Inbox inbox_;
  bool reading_ = false;
  std::string local_host_;
  uint16_t local_port_ = 0;
  std::string describe_;
};

}  // namespace

StatusOr<std::unique_ptr<Transport>> open_udp(const TransportOptions& options) {
  auto t = std::make_unique<UdpTransport>();
  if (Status connected = t->connect(options); !connected.ok()) return connected;
  return std::unique_ptr<Transport>(std::move(t));
}

}  // namespace imsguard::client::detail
