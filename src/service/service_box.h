#pragma once
// The service platform's SIP side: an application server for the configured services that
// believes nothing about the caller unless the core signed it. Requests reach it only over
// mutual TLS from the core (enforced by the listener's TLS context, see peer_pin.h); here
// the Identity header is verified for signature, freshness and single use before any
// P-Asserted-Identity is trusted.
#include <cstdint>
#include <atomic>
#include <functional>
#include <string>

#include "net/flow.h"
#include "ops/events.h"
#include "service/catalog.h"
#include "service/es256.h"
#include "service/replay_cache.h"
#include "sip/message.h"

namespace imsguard::service {

class MediaService;

struct ServiceBoxOptions {
  bool require_signed_assertion = true;
  int64_t max_age_s = 60;        // RFC 8224 suggests a 60 s freshness window
  size_t replay_capacity = 100000;
  std::string domain = "ims.local";
  // INVITE (and BYE) for an INVITE service go to this media source; null: none.
  MediaService* media = nullptr;
};

struct BoxCounters {
  std::atomic<uint64_t> served{0}, refused{0}, replays{0};
};

class ServiceBox final : public net::MessageHandler {
 public:
  using Clock = std::function<int64_t()>;  // seconds since the epoch
  // `events`: the owner's sink (app::Node's, or the standalone service box's).
  ServiceBox(const ServiceCatalog& catalog, Es256Key core_cert_key, ServiceBoxOptions options, ops::EventSink& events,
             Clock clock = {});

  // The whole decision for one request: the response bytes (empty for a request we drop,
  // such as an ACK).
  std::string handle(const sip::Message& request);

  void on_message(const net::Flow& flow, std::string_view bytes, net::Responder& reply) override;
  void on_stream_error(const net::Flow& flow, int code, std::string_view reason, net::Responder& reply) override;

  const BoxCounters& counters() const { return counters_; }

 private:
  std::string refuse(const sip::Message& request, int code, std::string_view reason, std::string_view why);

  const ServiceCatalog& catalog_;
  Es256Key key_;
  ServiceBoxOptions options_;
  ops::EventSink& events_;
  Clock clock_;
  ReplayCache replay_;
  BoxCounters counters_;
  MediaService* media_;
};

}  // namespace imsguard::service
