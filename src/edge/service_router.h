#pragma once
// The I-S routing hook: requests from registered users addressed to a service URI
// (sip:<service>@services.<domain>) go to the service layer instead of a registered user.
// The interface lives in the edge and the implementation in src/service
// (service::CoreRouter), so the edge library does not link the service layer; the
// composition root (src/app) hands the router to the edge's constructor.
#include "net/flow.h"
#include "sip/message.h"

#include <functional>
#include <string>
#include <string_view>

namespace imsguard::edge {

struct FlowIdentity;

// Answers a request after route() has returned, from any thread: the edge sends it on the
// request's flow and keeps it in the request's server transaction, so a retransmission
// gets the same answer. It may be called once; it must not be called after the router's
// owner stopped it (app::Node stops the router before the transports).
using LateReply = std::function<void(std::string_view response)>;

class ServiceRouter {
 public:
  virtual ~ServiceRouter() = default;
  // true when the request was for a service and is taken: answered (or refused) through
  // `reply` before returning, or later through `late` (a request that waits for the service
  // box does not hold the SIP worker that received it). false to relay it as usual.
  virtual bool route(const net::Flow& flow, const FlowIdentity& identity, const sip::Message& msg,
                     net::Responder& reply, const LateReply& late) = 0;
};

}  // namespace imsguard::edge
