#pragma once
// The core's client side of I-S: requests to the service box over mutual TLS, presenting
// the core's certificate and accepting only the service box's (pinned, like the box pins
// ours). Connections are pooled: a request takes an idle connection (or opens one), and
// gives it back after a complete answer, so steady traffic pays one handshake per
// concurrent worker rather than one per request. A pooled connection the box has closed
// (idle timeout, restart) is noticed before use or on the first write/read and replaced
// once. Connect, each read and each write are bounded by the timeout.
#include <asio/ssl/context.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "config/config.h"
#include "service/service_node.h"

namespace imsguard::ops {
class Counter;
class CounterRegistry;
}  // namespace imsguard::ops

namespace imsguard::service {

struct ServiceClientOptions {
  size_t max_idle = 8;                     // idle connections kept (about one per edge worker)
  std::chrono::milliseconds timeout{3000};  // per read / write
  // Drop an idle connection that is readable (closed by the box) before using it. Tests
  // turn it off to exercise the retry on a connection that fails in use.
  bool probe_idle = true;
};

class ServiceClient {
 public:
  // Builds the TLS context from the core's certificate and pins `files.cert` (the box's).
  // Fails with the code of the certificate or context that could not be loaded.
  // `metrics`: the node's registry (imsguard_service_tls_handshakes_total).
  static StatusOr<std::unique_ptr<ServiceClient>> create(ops::CounterRegistry& metrics, const ServiceNodeFiles& files,
                                                         const std::string& core_key, config::Endpoint box,
                                                         ServiceClientOptions options = {});
  ~ServiceClient();

  // The service box's answer (one SIP message). Thread-safe: concurrent callers use
  // different connections. kUnavailable when there is no answer (refused, TLS failure,
  // timeout, answer too large); kInvalid for a box address that is not an IP address.
  StatusOr<std::string> exchange(const std::string& request);

  uint64_t handshakes() const { return handshakes_.load(); }  // TLS connections opened
  size_t idle() const;

  struct Connection;

 private:
  ServiceClient(ops::CounterRegistry& metrics, std::shared_ptr<asio::ssl::context> ctx, config::Endpoint box,
                ServiceClientOptions options);
  std::unique_ptr<Connection> take_idle();
  StatusOr<std::unique_ptr<Connection>> connect();
  void give_back(std::unique_ptr<Connection> c);

  std::shared_ptr<asio::ssl::context> ctx_;
  config::Endpoint box_;
  ServiceClientOptions options_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::atomic<uint64_t> handshakes_{0};
  ops::Counter& handshake_counter_;
};

}  // namespace imsguard::service
