#pragma once
// The core's I-S routing: the edge hands it every request addressed to a service URI. It
// enforces the subscriber's service profile (403, counter, security event), answers token
// requests for content services with a Content-Token header, and relays requests for SIP
// services to the service box over mutual TLS with a signed assertion, policing what the
// service asserts back.
#include <memory>
#include <string>

#include "edge/proxy.h"
#include "service/catalog.h"
#include "service/service_client.h"
#include "service/service_gate.h"
#include "store/subscriber_store.h"

namespace imsguard::service {

class CoreRouter final : public edge::ServiceRouter {
 public:
  // Loads the core key (<pki>/core.key) and the client context; error set on failure.
  static std::unique_ptr<CoreRouter> create(const config::Config& config, const ServiceNodeFiles& files,
                                            const std::string& core_key, store::SubscriberStore& subscribers,
                                            std::string& error);

  bool route(const net::Flow& flow, const edge::FlowIdentity& identity, const sip::Message& msg,
             net::Responder& reply) override;

 private:
  CoreRouter(const config::Config& config, store::SubscriberStore& subscribers);

  const config::Config& config_;
  store::SubscriberStore& subscribers_;
  std::unique_ptr<ServiceCatalog> catalog_;
  std::unique_ptr<ServiceGate> gate_;
  std::unique_ptr<ServiceClient> client_;
  std::string services_host_;
};

}  // namespace imsguard::service
