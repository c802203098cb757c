#pragma once
// The service box's HTTPS content server (C-S): GET /content/<service> with
// "Authorization: Bearer <content token>". Content goes only to a valid token for that
// service whose subscriber is still active; 401 for a missing, forged or expired token,
// 403 for another service's token or a barred / de-registered subscriber.
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "ops/events.h"
#include "service/catalog.h"
#include "service/content_token.h"

namespace httplib {
class Server;
}

namespace imsguard::service {

struct ContentServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8443;  // 0: any free port (tests)
  std::string cert, key;  // our HTTPS certificate (private PKI)
};

class ContentServer {
 public:
  // `events`: the owner's sink (refused tokens are reported there).
  ContentServer(const ServiceCatalog& catalog, Es256Key core_cert_key, SubscriberActive active, ops::EventSink& events);
  ~ContentServer();
  ContentServer(const ContentServer&) = delete;
  ContentServer& operator=(const ContentServer&) = delete;

  // Binds and serves on a thread. kInvalid: the certificate or key does not load;
  // kUnavailable: the address cannot be bound (port in use, not an address of this host).
  Status start(const ContentServerOptions& options);
  void stop();
  uint16_t port() const { return port_; }

  // The decision without sockets: status and body for a fetch of `service` with the
  // Authorization header value `authorization`.
  std::pair<int, std::string> fetch(std::string_view service, std::string_view authorization) const;

 private:
  const ServiceCatalog& catalog_;
  Es256Key key_;
  SubscriberActive active_;
  ops::EventSink& events_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  uint16_t port_ = 0;
};

}  // namespace imsguard::service
