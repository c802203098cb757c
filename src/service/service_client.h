#pragma once
// The core's client side of I-S: one request to the service box over mutual TLS, presenting
// the core's certificate and accepting only the service box's (pinned, like the box pins
// ours). A connection per request keeps it stateless and thread-safe; on loopback or a LAN
// the handshake is cheap next to a SIP transaction. Bounded by a receive timeout.
#include <asio/ssl/context.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include "config/config.h"
#include "service/service_node.h"

namespace imsguard::service {

struct ExchangeResult {
  std::string response;  // the service box's answer (one SIP message)
  std::string error;     // set when there is no answer (refused, TLS failure, timeout)
};

class ServiceClient {
 public:
  // Builds the TLS context from the core's certificate and pins `files.cert` (the box's).
  static std::unique_ptr<ServiceClient> create(const ServiceNodeFiles& files, const std::string& core_key,
                                               config::Endpoint box, std::string& error);

  ExchangeResult exchange(const std::string& request) const;

 private:
  ServiceClient(std::shared_ptr<asio::ssl::context> ctx, config::Endpoint box)
      : ctx_(std::move(ctx)), box_(std::move(box)) {}
  std::shared_ptr<asio::ssl::context> ctx_;
  config::Endpoint box_;
};

}  // namespace imsguard::service
