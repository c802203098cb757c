#pragma once
// The core's I-S routing: the edge hands it every request addressed to a service URI. It
// enforces the subscriber's service profile (403, counter, security event), answers token
// requests for content services with a Content-Token header, and relays requests for SIP
// services to the service box over mutual TLS with a signed assertion, policing what the
// service asserts back. The exchange with the box runs on the router's own threads, never
// on the SIP worker that received the request: a slow or stalled box delays only requests
// for services, and a full queue is refused at once with 503.
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "edge/registrar.h"
#include "edge/service_router.h"
#include "edge/topology_hiding.h"
#include "service/catalog.h"
#include "service/service_client.h"
#include "service/service_gate.h"
#include "store/subscriber_store.h"

namespace imsguard::ops {
class EventSink;
}  // namespace imsguard::ops

namespace imsguard::service {

class CoreRouter final : public edge::ServiceRouter {
 public:
  // Loads the core key (<pki>/core.key) and the client context. kInvalid: the service
  // catalogue or a key/certificate is wrong; kNotFound: a file is missing.
  // `metrics`, `events`: the node's (app::Node); the router's counters are resolved here.
  static StatusOr<std::unique_ptr<CoreRouter>> create(const config::Config& config, const ServiceNodeFiles& files,
                                                      const std::string& core_key, store::SubscriberStore& subscribers,
                                                      ops::CounterRegistry& metrics, ops::EventSink& events);

  ~CoreRouter() override;

  bool route(const net::Flow& flow, const edge::FlowIdentity& identity, const sip::Message& msg,
             net::Responder& reply, const edge::LateReply& late) override;

  // Finishes the exchanges under way (each bounded by the client's timeout), answers those
  // still queued with 503 and joins the threads; requests routed afterwards are refused with
  // 503. Before the transports stop.
  void stop();

  // Threads that talk to the box, and exchanges that may wait for one.
  static constexpr size_t kThreads = 4;
  static constexpr size_t kMaxQueued = 256;

  struct Exchange;  // one relayed request waiting for the box

 private:
  CoreRouter(const config::Config& config, store::SubscriberStore& subscribers, ops::CounterRegistry& metrics,
             ops::EventSink& events);
  void run();
  void relay(Exchange& x, bool give_up);

  const config::Config& config_;
  store::SubscriberStore& subscribers_;
  edge::ServiceAnswerCounters hidden_;  // edge::hide_service_answer's, resolved once
  ops::EventSink& events_;
  struct Counters;
  std::unique_ptr<Counters> counters_;
  std::unique_ptr<ServiceCatalog> catalog_;
  std::unique_ptr<ServiceGate> gate_;
  std::unique_ptr<ServiceClient> client_;
  std::string services_host_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<Exchange>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace imsguard::service
