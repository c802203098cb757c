#pragma once
// The SIP transport server: UDP, TCP and TLS listeners served by a pool of worker threads,
// each with its own event loop. UDP sockets are opened once per worker with SO_REUSEPORT,
// so the kernel spreads sources across cores without a shared queue while each source's
// datagrams stay on one worker, in order (the kernel's 4-tuple hash); stream connections
// are accepted once and handed to workers round-robin. Connection limits (per source,
// total, idle, message deadline) are enforced here, before any SIP parsing. A full table
// makes room by closing strangers' idle connections rather than refusing every newcomer:
// otherwise a few thousand silent sockets lock every new client out (issue 17, F11).
#include "common/status.h"
#include "config/config.h"
#include "net/flow.h"
#include "ops/counters.h"

#include <asio/io_context.hpp>
#include <asio/ssl/context.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace imsguard::net {

struct NetCounters;
struct StreamCounters;

class StreamConnection;

struct ServerOptions {
  std::vector<config::Listener> listeners;
  config::Connections connections;
  config::SipLimits limits;
  uint32_t workers = 1;
  std::shared_ptr<asio::ssl::context> tls;  // required when a TLS listener is configured
};

class Server final : public FlowSender {
 public:
  // Sending works only once started; the handler comes with start(), so the handler may
  // itself be built on this server as its FlowSender (the edge's timers and relay do).
  // `metrics`: the node's counter registry (app::Node's): its counters, its open-connections
  // gauge and its message handling histograms are resolved once here.
  Server(ServerOptions options, ops::CounterRegistry& metrics);
  ~Server() override;
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every listener and starts the workers, which hand every message to `handler`
  // (it must outlive stop()). On failure starts nothing: kUnavailable (port in use, address
  // not on this host), kInvalid (a TLS listener without certificates); the message names
  // the listener.
  Status start(MessageHandler& handler);
  // Stops the workers and closes every socket. Idempotent.
  void stop();

  bool send_to(const Flow& flow, std::string_view bytes) override;

  // New TLS connections use `tls` from now on (a certificate reloaded on SIGHUP); those
  // already open keep the context they were accepted with. Safe from any thread.
  void set_tls_context(std::shared_ptr<asio::ssl::context> tls);

  // The port actually bound for the n-th listener (useful with port 0 in tests).
  uint16_t bound_port(size_t listener_index) const;

  // Connection bookkeeping, used by StreamConnection.
  bool admit_connection(const asio::ip::address& source);
  void release_connection(const asio::ip::address& source, uint64_t id);
  void register_connection(uint64_t id, const std::shared_ptr<StreamConnection>& conn);
  uint64_t next_connection_id() { return ++last_connection_id_; }
  const ServerOptions& options() const { return options_; }
  // The handler as the transports call it: timed into the message latency histogram.
  MessageHandler& handler() { return *timed_handler_; }

  // The stream connections' counters (net/net_counters.h).
  StreamCounters& stream_counters() { return *stream_counters_; }

 private:
  struct Worker;
  struct UdpSocket;
  struct Acceptor;

  void start_udp(const config::Listener& listener, size_t index);
  void start_stream(const config::Listener& listener, size_t index);
  void receive_udp(UdpSocket* sock);
  void accept_next(Acceptor& acceptor);
  // The table is full: marks the connections to close so a new one fits (strangers that
  // never completed a message first, oldest first; then strangers by oldest message;
  // registered flows never). Under connections_mutex_.
  void choose_evictions_locked(std::vector<std::shared_ptr<StreamConnection>>& victims);

  class TimedHandler;

  ServerOptions options_;
  std::unique_ptr<NetCounters> counters_;
  std::unique_ptr<StreamCounters> stream_counters_;
  MessageHandler* handler_ = nullptr;              // from start()
  std::unique_ptr<MessageHandler> timed_handler_;  // a TimedHandler around handler_
  // Contexts replaced by set_tls_context: connections accepted with them may still be open.
  std::vector<std::shared_ptr<asio::ssl::context>> retired_tls_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::unique_ptr<UdpSocket>> udp_sockets_;
  std::vector<std::unique_ptr<Acceptor>> acceptors_;
  std::vector<uint16_t> bound_ports_;
  std::vector<std::thread> threads_;
  std::atomic<size_t> next_worker_{0};
  std::atomic<uint64_t> last_connection_id_{0};
  std::mutex connections_mutex_;
  std::unordered_map<std::string, uint32_t> connections_per_source_;
  std::unordered_map<uint64_t, std::weak_ptr<StreamConnection>> connections_;
  std::unordered_set<uint64_t> evicting_;  // closes posted to make room, not yet released
  uint32_t total_connections_ = 0;
  bool started_ = false;
};

}  // namespace imsguard::net
