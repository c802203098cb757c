#pragma once
// Proof of the sender for requests over UDP (issue 17 F8a). A registered UDP flow is an
// address and a port, and anyone can write those on a datagram: a stranger could send a
// MESSAGE "from" a registered phone and the edge would relay it with that phone's asserted
// identity. So a request that starts something new (outside a dialog: MESSAGE, INVITE,
// SUBSCRIBE, OPTIONS, REFER, ...) from a UDP flow gets 407 Proxy-Authenticate (RFC 3261
// 22.3) first, and goes on only when its Proxy-Authorization proves the flow's own
// subscriber with a nonce issued to that address for that identity. An off-path spoofer
// never sees the 407, so it cannot answer it. Same credential machinery as the registrar
// (crypto::read_credentials, edge::Authenticator); TCP and TLS flows prove their address by
// the handshake and are not challenged.
#include "config/config.h"
#include "edge/authenticator.h"
#include "edge/registrar.h"
#include "net/flow.h"
#include "ops/counters.h"
#include "ops/events.h"
#include "sip/message.h"

#include <memory>

namespace imsguard::guard {
class Chain;
struct Context;
}  // namespace imsguard::guard

namespace imsguard::edge {

struct RequestChallengeCounters;

class RequestChallenge {
 public:
  // `metrics`, `events`: the node's registry and sink.
  RequestChallenge(const config::Config& config, Authenticator& authenticator, ops::CounterRegistry& metrics,
                   ops::EventSink& events);
  ~RequestChallenge();

  // The defence chain learns every result (a wrong answer to our 407 is a guess).
  void set_guards(guard::Chain* guards) { guards_ = guards; }

  // Whether `msg` from `flow` must prove its sender: auth.challenge_udp_requests, a UDP
  // flow, a request outside a dialog (no To tag) other than REGISTER, ACK and CANCEL.
  bool applies(const net::Flow& flow, const sip::Message& msg) const;

  // True when the request's Proxy-Authorization proves `identity`'s subscriber: the caller
  // relays it (and removes the Proxy-Authorization). False when it has been answered here:
  // 407 with a fresh challenge (none, a wrong or foreign answer, another subscriber's), or
  // 503 when the store failed.
  bool admit(const net::Flow& flow, const FlowIdentity& identity, const sip::Message& msg, net::Responder& reply,
             const guard::Context* guard_ctx);

 private:
  void challenge(const sip::Message& msg, const Challenge& challenge, net::Responder& reply) const;

  const config::Config& config_;
  Authenticator& auth_;
  guard::Chain* guards_ = nullptr;
  std::unique_ptr<RequestChallengeCounters> owned_counters_;
  RequestChallengeCounters& counters_;
  ops::EventSink& events_;
};

}  // namespace imsguard::edge
