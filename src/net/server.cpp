#include "net/server.h"

#include "net/net_counters.h"

#include "net/stream_connection.h"
#include "ops/counters.h"
#include "ops/gauges.h"
#include "ops/histogram.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <asio.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <future>

namespace imsguard::net {

namespace {

// Sends one datagram. A socket bound to 0.0.0.0 or :: names its source address in a
// control message (IP_PKTINFO ipi_spec_dst / IPV6_PKTINFO): left to the kernel, the source is
// the routing table's choice, so a phone that sent to 127.0.0.2 (or to the public address of
// a multi-homed host) would get its answer from another address and drop it (connected
// sockets, NAT bindings and SIP's own symmetric rules all match on it).
bool send_datagram(asio::ip::udp::socket& socket, bool wildcard, const asio::ip::address& from,
                   const asio::ip::udp::endpoint& to, std::string_view bytes, ops::Counter& send_errors) {
  // An IPv4 socket cannot name an IPv6 source: the kernel's choice then (not expected).
  bool nameable = !to.address().is_v4() || from.is_v4() || (from.is_v6() && from.to_v6().is_v4_mapped());
  if (!wildcard || from.is_unspecified() || !nameable) {
    std::error_code ec;
    socket.send_to(asio::buffer(bytes.data(), bytes.size()), to, 0, ec);
    if (ec) send_errors.inc();
    return !ec;
  }
  iovec iov{const_cast<char*>(bytes.data()), bytes.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in6_pktinfo))] = {};
  msghdr msg{};
  msg.msg_name = const_cast<sockaddr*>(to.data());
  msg.msg_namelen = static_cast<socklen_t>(to.size());
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  cmsghdr* c = reinterpret_cast<cmsghdr*>(control);
  // The destination's family is the socket's (a dual-stack socket sends to IPv4-mapped ones).
  if (to.address().is_v4()) {
    auto v4 = from.is_v4() ? from.to_v4() : asio::ip::make_address_v4(asio::ip::v4_mapped, from.to_v6());
    in_pktinfo info{};
    auto b = v4.to_bytes();
    std::memcpy(&info.ipi_spec_dst, b.data(), b.size());
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof info);
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
    msg.msg_controllen = CMSG_SPACE(sizeof info);
  } else {
    // A dual-stack socket answers an IPv4 peer from the IPv4-mapped form of its address.
    auto v6 = from.is_v6() ? from.to_v6() : asio::ip::make_address_v6(asio::ip::v4_mapped, from.to_v4());
    in6_pktinfo info{};
    auto b = v6.to_bytes();
    std::memcpy(&info.ipi6_addr, b.data(), b.size());
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof info);
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
    msg.msg_controllen = CMSG_SPACE(sizeof info);
  }
  bool sent = ::sendmsg(socket.native_handle(), &msg, MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  if (!sent) send_errors.inc();
  return sent;
}

// Replies on a UDP socket to the datagram's sender, from the address it was sent to.
class UdpResponder final : public Responder {
 public:
  UdpResponder(asio::ip::udp::socket& socket, bool wildcard, const Flow& flow, const asio::ip::udp::endpoint& to,
               ops::Counter& send_errors)
      : socket_(socket), wildcard_(wildcard), flow_(flow), to_(to), send_errors_(send_errors) {}
  void send(std::string_view bytes) override {
    send_datagram(socket_, wildcard_, flow_.local_address, to_, bytes, send_errors_);
  }

 private:
  asio::ip::udp::socket& socket_;
  bool wildcard_;
  const Flow& flow_;
  const asio::ip::udp::endpoint& to_;
  ops::Counter& send_errors_;
};

}  // namespace

// Times every call into the SIP handler (parse, guards, authentication, routing: the whole
// cost of a message) into one histogram per transport.
class Server::TimedHandler final : public MessageHandler {
 public:
  TimedHandler(MessageHandler& inner, const NetCounters& counters)
      : inner_(inner), udp_(&counters.handling_udp), tcp_(&counters.handling_tcp), tls_(&counters.handling_tls) {}
  void on_message(const Flow& flow, std::string_view bytes, Responder& reply) override {
    auto start = std::chrono::steady_clock::now();
    inner_.on_message(flow, bytes, reply);
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
    ops::Histogram* h = flow.transport == config::Transport::kUdp   ? udp_
                        : flow.transport == config::Transport::kTcp ? tcp_
                                                                    : tls_;
    h->observe_ns(static_cast<uint64_t>(ns));
  }
  void on_stream_error(const Flow& flow, int code, std::string_view reason, Responder& reply) override {
    inner_.on_stream_error(flow, code, reason, reply);
  }
  bool flow_registered(const Flow& flow) override { return inner_.flow_registered(flow); }

 private:
  MessageHandler& inner_;
  ops::Histogram* udp_;
  ops::Histogram* tcp_;
  ops::Histogram* tls_;
};

// One event loop and its thread.
struct Server::Worker {
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> guard = asio::make_work_guard(io);
};

// One UDP socket of one worker; receives into a buffer that lives as long as the socket.
struct Server::UdpSocket {
  explicit UdpSocket(asio::io_context& io) : socket(io) {}
  asio::ip::udp::socket socket;
  asio::ip::udp::endpoint sender;
  std::array<char, 65536> buffer{};
  Flow flow;
  // Bound to 0.0.0.0 or ::: each datagram's local address comes from IP_PKTINFO, so the
  // edge can name the address a client reached (edge/edge_address.h).
  bool pktinfo = false;
};

struct Server::Acceptor {
  Acceptor(asio::io_context& io, config::Transport t) : acceptor(io), transport(t) {}
  asio::ip::tcp::acceptor acceptor;
  config::Transport transport;
};

Server::Server(ServerOptions options, ops::CounterRegistry& metrics)
    : options_(std::move(options)),
      counters_(new NetCounters{metrics}),
      stream_counters_(new StreamCounters{metrics}) {
  if (options_.workers == 0) options_.workers = std::max(1u, std::thread::hardware_concurrency());
}

Server::~Server() { stop(); }

uint16_t Server::bound_port(size_t listener_index) const {
  return listener_index < bound_ports_.size() ? bound_ports_[listener_index] : 0;
}

Status Server::start(MessageHandler& handler) {
  if (started_) return internal_error("server already started");
  handler_ = &handler;
  timed_handler_ = std::make_unique<TimedHandler>(handler, *counters_);
  for (uint32_t i = 0; i < options_.workers; ++i) workers_.push_back(std::make_unique<Worker>());
  bound_ports_.assign(options_.listeners.size(), 0);
  // An error names the listener it came from (transport, address, port).
  std::string where;
  try {
    for (size_t i = 0; i < options_.listeners.size(); ++i) {
      const auto& l = options_.listeners[i];
      where = std::string(config::transport_name(l.transport)) + " " + l.address + ":" + std::to_string(l.port) + ": ";
      if (l.transport == config::Transport::kUdp) start_udp(l, i);
      else start_stream(l, i);
    }
  } catch (const std::system_error& e) {
    std::string msg = where + e.what();
    udp_sockets_.clear();
    acceptors_.clear();
    workers_.clear();
    return unavailable_error(msg);
  } catch (const std::runtime_error& e) {
    // The configuration is at fault (a TLS listener without certificates).
    std::string msg = where + e.what();
    udp_sockets_.clear();
    acceptors_.clear();
    workers_.clear();
    return invalid_argument(msg);
  }
  for (auto& w : workers_) threads_.emplace_back([&io = w->io] { io.run(); });
  started_ = true;
  return {};
}

void Server::stop() {
  if (!started_) return;
  started_ = false;
  for (auto& w : workers_) w->io.stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
  udp_sockets_.clear();
  acceptors_.clear();
  {
    std::lock_guard lock(connections_mutex_);
    connections_.clear();
  }
  workers_.clear();
}

void Server::start_udp(const config::Listener& l, size_t index) {
  auto address = asio::ip::make_address(l.address);
  uint16_t port = l.port;
  for (auto& w : workers_) {
    auto sock = std::make_unique<UdpSocket>(w->io);
    asio::ip::udp::endpoint ep(address, port);
    sock->socket.open(ep.protocol());
    sock->socket.set_option(asio::socket_base::reuse_address(true));
    int one = 1;
    // The kernel picks a socket of the group by a hash of the 4-tuple, so every datagram of
    // one source (address and port) reaches the same worker, in the order sent: a 180 relayed
    // after its 200, or an ACK handled before the INVITE it acknowledges, is a broken call.
    // (A random pick, used before, spread a busy peer over the cores and reordered its flow:
    // about 23% of bench/edge/call_bench.sh's calls saw the 180 after the 200.)
    ::setsockopt(sock->socket.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    sock->socket.set_option(asio::socket_base::receive_buffer_size(4 << 20));
    sock->socket.bind(ep);
    // With port 0 the first socket picks a port; the others must join that same port.
    port = sock->socket.local_endpoint().port();
    sock->flow.transport = config::Transport::kUdp;
    sock->flow.local_port = port;
    if (address.is_unspecified()) {
      int fd = sock->socket.native_handle();
      sock->pktinfo = address.is_v4() ? ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) == 0
                                      : ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one) == 0 &&
                                            ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) == 0;
      sock->socket.non_blocking(true);
    } else {
      sock->flow.local_address = address;
    }
    UdpSocket* raw = sock.get();
    udp_sockets_.push_back(std::move(sock));
    receive_udp(raw);
  }
  bound_ports_[index] = port;
}

namespace {

// One datagram from a non-blocking socket with its destination address (IP_PKTINFO or
// IPV6_PKTINFO); 0 when there was none to read.
size_t receive_with_local_address(int fd, char* buffer, size_t size, asio::ip::udp::endpoint& sender,
                                  asio::ip::address& local) {
  iovec iov{buffer, size};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in6_pktinfo)) + CMSG_SPACE(sizeof(in_pktinfo))];
  msghdr msg{};
  msg.msg_name = sender.data();
  msg.msg_namelen = static_cast<socklen_t>(sender.capacity());
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n = ::recvmsg(fd, &msg, MSG_DONTWAIT);
  if (n < 0) return 0;
  sender.resize(msg.msg_namelen);
  local = asio::ip::address();
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      asio::ip::address_v4::bytes_type b;
      std::memcpy(b.data(), &info.ipi_addr, b.size());
      local = asio::ip::address_v4(b);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      in6_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      asio::ip::address_v6::bytes_type b;
      std::memcpy(b.data(), &info.ipi6_addr, b.size());
      local = asio::ip::address_v6(b);
    }
  }
  return static_cast<size_t>(n);
}

}  // namespace

void Server::receive_udp(UdpSocket* sock) {
  auto deliver = [this, sock](size_t n) {
    counters_->udp_datagrams.inc();
    sock->flow.address = sock->sender.address();
    sock->flow.port = sock->sender.port();
    UdpResponder responder(sock->socket, sock->pktinfo, sock->flow, sock->sender, counters_->udp_send_errors);
    timed_handler_->on_message(sock->flow, std::string_view(sock->buffer.data(), n), responder);
  };
  if (sock->pktinfo) {
    sock->socket.async_wait(asio::socket_base::wait_read, [this, sock, deliver](std::error_code ec) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) {
        size_t n = receive_with_local_address(sock->socket.native_handle(), sock->buffer.data(), sock->buffer.size(),
                                              sock->sender, sock->flow.local_address);
        if (n > 0) deliver(n);
      }
      receive_udp(sock);
    });
    return;
  }
  sock->socket.async_receive_from(asio::buffer(sock->buffer), sock->sender,
                                  [this, sock, deliver](std::error_code ec, size_t n) {
                                    if (ec == asio::error::operation_aborted) return;
                                    if (!ec) deliver(n);
                                    receive_udp(sock);
                                  });
}

void Server::start_stream(const config::Listener& l, size_t index) {
  if (l.transport == config::Transport::kTls && !options_.tls)
    throw std::runtime_error("a TLS listener needs certificates (tls.cert / tls.key)");
  auto& w = *workers_[0];
  auto acc = std::make_unique<Acceptor>(w.io, l.transport);
  asio::ip::tcp::endpoint ep(asio::ip::make_address(l.address), l.port);
  acc->acceptor.open(ep.protocol());
  acc->acceptor.set_option(asio::socket_base::reuse_address(true));
  acc->acceptor.bind(ep);
  acc->acceptor.listen(1024);
  bound_ports_[index] = acc->acceptor.local_endpoint().port();
  Acceptor* raw = acc.get();
  acceptors_.push_back(std::move(acc));
  accept_next(*raw);
}

void Server::accept_next(Acceptor& acceptor) {
  auto& target = *workers_[next_worker_++ % workers_.size()];
  acceptor.acceptor.async_accept(target.io, [this, &acceptor, &target](std::error_code ec, asio::ip::tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      std::error_code ep_ec;
      auto remote = socket.remote_endpoint(ep_ec);
      if (!ep_ec && admit_connection(remote.address())) {
        counters_->conn_accepted.inc();
        uint64_t id = next_connection_id();
        auto conn = StreamConnection::create(*this, target.io, std::move(socket), acceptor.transport, id, remote,
                                             acceptor.acceptor.local_endpoint().port());
        register_connection(id, conn);
        conn->start();
      } else {
        socket.close(ep_ec);
      }
    }
    accept_next(acceptor);
  });
}

bool Server::admit_connection(const asio::ip::address& source) {
  std::vector<std::shared_ptr<StreamConnection>> victims;
  {
    std::lock_guard lock(connections_mutex_);
    std::string key = source.to_string();
    auto found = connections_per_source_.find(key);
    if (found != connections_per_source_.end() && found->second >= options_.connections.max_per_source) {
      counters_->conn_refused_source.inc();
      return false;
    }
    // Connections being evicted still count until they are released, but their slots are
    // already promised to newcomers.
    auto used = [this] { return total_connections_ - std::min<uint32_t>(total_connections_, evicting_.size()); };
    if (used() >= options_.connections.max_total) choose_evictions_locked(victims);
    if (used() >= options_.connections.max_total) {
      counters_->conn_refused_total.inc();
      return false;
    }
    ++connections_per_source_[key];
    ++total_connections_;
    counters_->conn_open.add();
  }
  for (auto& v : victims) v->post_close();
  return true;
}

void Server::choose_evictions_locked(std::vector<std::shared_ptr<StreamConnection>>& victims) {
  struct Candidate {
    bool spoke;      // completed a message
    int64_t since;   // its last message, or its accept
    uint64_t id;
    std::shared_ptr<StreamConnection> conn;
  };
  std::vector<Candidate> candidates;
  candidates.reserve(connections_.size());
  for (const auto& [id, weak] : connections_) {
    auto conn = weak.lock();
    if (!conn) continue;
    auto& a = conn->activity();
    if (a.evicting.load(std::memory_order_relaxed)) continue;
    if (handler_->flow_registered(conn->flow())) continue;
    int64_t last = a.last_message_ms.load(std::memory_order_relaxed);
    candidates.push_back({last != 0, last != 0 ? last : a.accepted_ms.load(std::memory_order_relaxed), id, std::move(conn)});
  }
  // A batch per scan, so a full table costs one scan per 1/64 of its size, not per accept.
  size_t batch = std::max<size_t>(1, options_.connections.max_total / 64);
  auto older = [](const Candidate& a, const Candidate& b) {
    return a.spoke != b.spoke ? !a.spoke : a.since < b.since;
  };
  if (candidates.size() > batch) {
    std::nth_element(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(batch), candidates.end(), older);
    candidates.resize(batch);
  }
  for (auto& c : candidates) {
    c.conn->activity().evicting.store(true, std::memory_order_relaxed);
    evicting_.insert(c.id);
    victims.push_back(std::move(c.conn));
  }
}

void Server::release_connection(const asio::ip::address& source, uint64_t id) {
  std::lock_guard lock(connections_mutex_);
  auto it = connections_per_source_.find(source.to_string());
  if (it != connections_per_source_.end() && it->second > 0 && --it->second == 0) connections_per_source_.erase(it);
  if (total_connections_ > 0) {
    --total_connections_;
    counters_->conn_open.sub();
  }
  if (evicting_.erase(id)) counters_->conn_evicted.inc();
  connections_.erase(id);
}

void Server::register_connection(uint64_t id, const std::shared_ptr<StreamConnection>& conn) {
  std::lock_guard lock(connections_mutex_);
  connections_[id] = conn;
}

void Server::set_tls_context(std::shared_ptr<asio::ssl::context> tls) {
  if (!tls) return;
  auto swap = [this, &tls] {
    if (options_.tls) retired_tls_.push_back(std::move(options_.tls));
    options_.tls = std::move(tls);
  };
  // Connections are created with options_.tls on the acceptors' loop (the first worker's):
  // swapping there needs no lock on the accept path.
  if (!started_ || workers_.empty()) {
    swap();
    return;
  }
  std::promise<void> done;
  asio::post(workers_[0]->io, [&] {
    swap();
    done.set_value();
  });
  done.get_future().wait();
}

bool Server::send_to(const Flow& flow, std::string_view bytes) {
  if (flow.transport == config::Transport::kUdp) {
    // Any worker's socket bound to the flow's local port can send; without a known local
    // port (a binding restored from the store) the first UDP socket does.
    bool known = std::any_of(udp_sockets_.begin(), udp_sockets_.end(),
                             [&](const auto& s) { return s->flow.local_port == flow.local_port; });
    for (auto& s : udp_sockets_) {
      if (known && s->flow.local_port != flow.local_port) continue;
      return send_datagram(s->socket, s->pktinfo, flow.local_address, asio::ip::udp::endpoint(flow.address, flow.port),
                           bytes, counters_->udp_send_errors);
    }
    return false;
  }
  std::shared_ptr<StreamConnection> conn;
  {
    std::lock_guard lock(connections_mutex_);
    auto it = connections_.find(flow.connection_id);
    if (it != connections_.end()) conn = it->second.lock();
  }
  if (!conn) return false;
  conn->post_send(std::string(bytes));
  return true;
}

}  // namespace imsguard::net
