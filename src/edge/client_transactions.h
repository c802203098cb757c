#pragma once
// RFC 3261 client transactions (17.1) for the requests the edge relays over UDP. Forwarding
// stays stateless in every other respect (proxy.h), but a datagram lost between the edge and
// the callee must not depend on the caller's own retransmissions (a caller behind the edge
// may be a stateful proxy that gave up, or a phone that stopped at Timer B): the edge sends
// the request again on Timer A (INVITE) or E (others) until the callee answers, and when the
// callee stays silent for 64*T1 (Timer B/F) it answers the caller 408 Request Timeout
// itself, as a proxy's timed-out client transaction does (16.7). An INVITE stops at the
// first 1xx; a non-INVITE request goes on every T2 after a 1xx (Proceeding). ACK has no
// transaction and is never tracked.
//
// The transaction key is our own Via branch (deterministic per request, so a retransmission
// relayed again finds the same transaction) with the CSeq method, which is how the
// response matches it (17.1.3).
#include "edge/retransmitter.h"
#include "net/flow.h"
#include "sip/message.h"

#include <string>
#include <string_view>

namespace imsguard::edge {

struct ClientTransactionCounters;

class ClientTransactions {
 public:
  explicit ClientTransactions(Retransmitter& timers);

  // `request` (from `origin`) was relayed to `target` as `bytes`, under our Via `via`.
  // Over UDP its timers start; over a reliable transport nothing is kept.
  void relayed(const net::Flow& origin, const sip::Message& request, const net::Flow& target, std::string_view via,
               std::string bytes);
  // A response coming back through our Via: ends (final, or 1xx to INVITE) or slows down
  // (1xx to another method) its transaction.
  void on_response(const sip::Message& response);

  // "<branch>|<method>" (public for tests). The branch is taken from a Via header value.
  static std::string key(std::string_view via, std::string_view method);
  // The same from a branch already parsed (a response's top Via).
  static std::string key_for_branch(std::string_view branch, std::string_view method);

 private:
  Retransmitter& timers_;
  ClientTransactionCounters& counters_;
};

}  // namespace imsguard::edge
