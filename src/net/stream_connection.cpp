#include "net/stream_connection.h"

#include "net/server.h"
#include "net/net_counters.h"
#include "ops/counters.h"
#include "net/limits.h"
#include "sip/stream_framer.h"

#include <asio.hpp>
#include <asio/ssl.hpp>

#include <array>

namespace imsguard::net {

namespace {


// Answers waiting for a peer that does not read are capped: past this the connection is
// closed rather than the edge buffering without bound.
constexpr size_t kMaxPendingBytes = 4u << 20;


asio::ip::tcp::socket& lowest(asio::ip::tcp::socket& s) { return s; }
asio::ip::tcp::socket& lowest(asio::ssl::stream<asio::ip::tcp::socket>& s) { return s.next_layer(); }

// The connection over a plain socket or a TLS stream; the template keeps one code path.
template <typename Stream>
class Connection final : public StreamConnection {
 public:
  template <typename... Args>
  Connection(Server& server, asio::io_context& io, config::Transport transport, uint64_t id,
             const asio::ip::tcp::endpoint& remote, uint16_t local_port, Args&&... stream_args)
      : server_(server),
        io_(io),
        stream_(std::forward<Args>(stream_args)...),
        idle_timer_(io),
        deadline_timer_(io),
        framer_(to_sip_limits(server.options().limits)) {
    flow_.transport = transport;
    flow_.address = remote.address();
    flow_.port = remote.port();
    flow_.connection_id = id;
    flow_.local_port = local_port;
    std::error_code local_ec;
    auto local = lowest(stream_).local_endpoint(local_ec);
    if (!local_ec) flow_.local_address = local.address();
    activity_.accepted_ms.store(steady_now_ms(), std::memory_order_relaxed);
  }

  void start() override {
    arm_idle();
    const auto& c = server_.options().connections;
    if constexpr (std::is_same_v<Stream, asio::ssl::stream<asio::ip::tcp::socket>>) {
      arm_deadline(c.tls_handshake_deadline_s, server_.stream_counters().handshake_closed);
      auto self = shared_from_this();
      stream_.async_handshake(asio::ssl::stream_base::server, [this, self](std::error_code ec) {
        deadline_timer_.cancel();
        if (ec || closed_) {
          if (ec) server_.stream_counters().tls_handshake_failed.inc();
          close();
          return;
        }
        arm_deadline(server_.options().connections.first_byte_deadline_s, server_.stream_counters().first_byte_closed);
        read();
      });
    } else {
      arm_deadline(c.first_byte_deadline_s, server_.stream_counters().first_byte_closed);
      read();
    }
  }

  void post_close() override {
    auto self = shared_from_this();
    asio::post(io_, [this, self]() { close(); });
  }

  const Flow& flow() const override { return flow_; }

  void post_send(std::string bytes) override {
    auto self = shared_from_this();
    asio::post(io_, [this, self, b = std::move(bytes)]() { queue(b); });
  }

 private:
  // Replies from the handler run on this connection's thread: queue directly.
  class DirectResponder final : public Responder {
   public:
    explicit DirectResponder(Connection& c) : c_(c) {}
    void send(std::string_view bytes) override { c_.queue(bytes); }

   private:
    Connection& c_;
  };

  void read() {
    auto self = shared_from_this();
    stream_.async_read_some(asio::buffer(chunk_), [this, self](std::error_code ec, size_t n) {
      if (ec || closed_) {
        close();
        return;
      }
      arm_idle();
      // A message must complete within the deadline of its first byte. Until the first one
      // has, keep-alive pings do not reset it: a connection that only pings holds no slot.
      if (!spoke_at_all_ ? !first_byte_seen_ : in_.empty())
        arm_deadline(server_.options().connections.message_deadline_s, server_.stream_counters().deadline_closed);
      first_byte_seen_ = true;
      in_.append(chunk_.data(), n);
      if (!drain()) return;
      if (in_.empty() && spoke_at_all_) deadline_timer_.cancel();
      read();
    });
  }

  // Frames and dispatches every complete message in the buffer. false when the connection
  // was closed because of a framing error.
  bool drain() {
    size_t offset = 0;
    DirectResponder responder(*this);
    // Answers to every message of this read leave together: one write (one TLS record)
    // instead of one per answer.
    draining_ = true;
    struct Flush {
      Connection& c;
      ~Flush() {
        c.draining_ = false;
        if (!c.closed_ && !c.writing_ && !c.pending_.empty()) c.write();
      }
    } flush{*this};
    while (offset < in_.size()) {
      std::string_view view(in_.data() + offset, in_.size() - offset);
      sip::FrameResult frame = framer_.next(view);
      if (frame.kind == sip::FrameKind::kNeedMore) break;
      if (frame.kind == sip::FrameKind::kError) {
        server_.stream_counters().framing_errors.inc();
        server_.handler().on_stream_error(flow_, frame.code, frame.reason, responder);
        close_after_writes_ = true;
        in_.clear();
        if (!writing_ && pending_.empty()) close();
        return false;
      }
      if (frame.kind == sip::FrameKind::kKeepAlive) {
        server_.stream_counters().keepalives.inc();
        if (frame.pong_needed) queue("\r\n");
      } else {
        server_.stream_counters().messages.inc();
        activity_.last_message_ms.store(steady_now_ms(), std::memory_order_relaxed);
        spoke_at_all_ = true;
        // A new message starts after this one: its deadline starts now.
        server_.handler().on_message(flow_, view.substr(0, frame.length), responder);
        if (closed_) return false;
      }
      offset += frame.length;
    }
    in_.erase(0, offset);
    return true;
  }

  void queue(std::string_view bytes) {
    if (closed_) return;
    if (pending_.size() + bytes.size() > kMaxPendingBytes) {
      server_.stream_counters().slow_reader_closed.inc();
      close();
      return;
    }
    pending_.append(bytes);
    if (!writing_ && !draining_) write();
  }

  // Everything queued so far goes out in one write; what is queued meanwhile waits for it.
  void write() {
    writing_ = true;
    sending_.swap(pending_);
    pending_.clear();
    server_.stream_counters().writes.inc();
    auto self = shared_from_this();
    asio::async_write(stream_, asio::buffer(sending_), [this, self](std::error_code ec, size_t) {
      writing_ = false;
      sending_.clear();
      if (ec) {
        close();
        return;
      }
      if (!pending_.empty() && !closed_) write();
      else if (close_after_writes_) close();
    });
  }

  void arm_idle() {
    idle_timer_.expires_after(std::chrono::seconds(server_.options().connections.idle_timeout_s));
    auto self = shared_from_this();
    idle_timer_.async_wait([this, self](std::error_code ec) {
      if (ec || closed_) return;
      server_.stream_counters().idle_closed.inc();
      close();
    });
  }

  // One timer for the deadline in force (handshake, first byte, message): arming it again
  // replaces the previous one.
  void arm_deadline(uint32_t seconds, ops::Counter& closed_reason) {
    deadline_timer_.expires_after(std::chrono::seconds(seconds));
    auto self = shared_from_this();
    deadline_timer_.async_wait([this, self, &closed_reason](std::error_code ec) {
      if (ec || closed_) return;
      closed_reason.inc();
      close();
    });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    std::error_code ec;
    idle_timer_.cancel();
    deadline_timer_.cancel();
    lowest(stream_).shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    lowest(stream_).close(ec);
    server_.release_connection(flow_.address, flow_.connection_id);
  }

  Server& server_;
  asio::io_context& io_;
  Stream stream_;
  asio::steady_timer idle_timer_;
  asio::steady_timer deadline_timer_;
  sip::StreamFramer framer_;
  Flow flow_;
  std::array<char, 16384> chunk_{};
  std::string in_;
  std::string pending_;  // answers queued, not yet handed to the socket
  std::string sending_;  // the write in progress
  bool writing_ = false;
  bool draining_ = false;
  bool closed_ = false;
  bool close_after_writes_ = false;
  bool first_byte_seen_ = false;
  bool spoke_at_all_ = false;  // a complete message arrived
};

}  // namespace

int64_t steady_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::shared_ptr<StreamConnection> StreamConnection::create(Server& server, asio::io_context& io,
                                                           asio::ip::tcp::socket socket, config::Transport transport,
                                                           uint64_t id, const asio::ip::tcp::endpoint& remote,
                                                           uint16_t local_port) {
  std::error_code ec;
  socket.set_option(asio::ip::tcp::no_delay(true), ec);
  if (transport == config::Transport::kTls) {
    return std::make_shared<Connection<asio::ssl::stream<asio::ip::tcp::socket>>>(
        server, io, transport, id, remote, local_port, std::move(socket), *server.options().tls);
  }
  return std::make_shared<Connection<asio::ip::tcp::socket>>(server, io, transport, id, remote, local_port,
                                                             std::move(socket));
}

}  // namespace imsguard::net
