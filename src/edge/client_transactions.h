#pragma once
// RFC 3261 client transactions (17.1) for the requests the edge relays: to a registered
// user, to the external S-CSCF (REGISTER and everything else), and from the S-CSCF or a peer
// edge to a client. Forwarding stays stateless in every other respect (proxy.h), but a
// datagram lost between the edge and the next hop must not depend on the caller's own
// retransmissions (a caller behind the edge may be a stateful proxy that gave up, or a phone
// that stopped at Timer B): over UDP the edge sends the request again on Timer A (INVITE) or
// E (others) until the next hop answers, and when it stays silent for 64*T1 (Timer B/F) it
// answers the caller 408 Request Timeout itself, as a proxy's timed-out client transaction
// does (16.7). An INVITE stops at the first 1xx; a non-INVITE request goes on every T2 after
// a 1xx (Proceeding). ACK has no transaction and is never tracked.
//
// The caller's side is the server transaction (server_transactions.h): the 408 and any final
// answer relayed back are stored there, so a retransmission from the caller gets that answer
// instead of starting over at the next hop.
//
// Every relayed INVITE (any transport) also runs Timer C (16.6 step 11, 16.8), restarted by
// each provisional above 100: when it fires after a provisional the edge CANCELs the callee branch (and
// the callee's 487 flows back as usual; if no final answer comes within 64*T1 after the
// CANCEL, the caller gets 408); when it fires before any, the caller gets 408 as if the
// callee had said so.
//
// The transaction key is our own Via branch (deterministic per request, so a retransmission
// relayed again finds the same transaction) with the CSeq method, which is how the
// response matches it (17.1.3).
#include "edge/retransmitter.h"
#include "edge/server_transactions.h"
#include "net/flow.h"
#include "sip/message.h"

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace imsguard::edge {

struct ClientTransactionCounters;

class ClientTransactions {
 public:
  // `callers`: the server transactions the 408s and relayed answers are stored in (null:
  // none). `timer_c_ms`: Timer C of relayed INVITEs (0: off).
  // `metrics`: the node's registry.
  ClientTransactions(Retransmitter& timers, ServerTransactions* callers, int64_t timer_c_ms,
                     ops::CounterRegistry& metrics);
  ~ClientTransactions();

  // `request` (from `origin`) is about to be relayed to `target` as `bytes`, under our Via
  // `via`. Over UDP its timers start; an INVITE's Timer C starts over any transport. Called
  // before the send, so an answer that comes back at once finds its transaction.
  void relayed(const net::Flow& origin, const sip::Message& request, const net::Flow& target, std::string_view via,
               std::string bytes);
  // A request the edge makes on its own (the BYEs ending a call the media policy refused,
  // proxy.h) is about to be sent to `target` as `bytes`: over UDP it is sent again on Timer
  // E until any response comes back (on_response) or Timer F passes, when it is dropped
  // without a word (nobody waits for its outcome). ACK has no transaction.
  void own_request_sent(const net::Flow& target, const std::string& bytes);
  // Its send failed: nothing is resent.
  void own_request_failed(const std::string& bytes);
  // A response coming back through our Via: ends (final, or 1xx to INVITE) or slows down
  // (1xx to another method) its transaction; a 1xx to INVITE restarts Timer C.
  void on_response(const sip::Message& response);
  // The send announced by relayed() failed: its timers stop, nothing is resent.
  void abandoned(const sip::Message& request, std::string_view via);
  // `response` went back to `caller` as `bytes`: a final one is what the caller's
  // retransmissions of the request get from now on.
  void relayed_back(const net::Flow& caller, const sip::Message& response, std::string_view bytes);

  // INVITEs waiting for a final answer under Timer C (for tests).
  size_t pending_invites() const;

  // "<branch>|<method>" (public for tests). The branch is taken from a Via header value.
  static std::string key(std::string_view via, std::string_view method);
  // The same from a branch already parsed (a response's top Via).
  static std::string key_for_branch(std::string_view branch, std::string_view method);

 private:
  // A relayed INVITE without a final answer yet: what Timer C needs when it fires.
  struct PendingInvite {
    net::Flow caller;
    net::Flow callee;
    std::string timeout;  // the 408 for the caller
    std::string cancel;   // the CANCEL for the callee
    std::optional<TransactionKey> caller_transaction;
    bool provisional = false;  // the callee sent a 1xx
    bool cancelled = false;    // Timer C sent the CANCEL: waiting for the 487
  };
  // Starts the retransmission timers of `k` and counts the outcome (a key in flight is the
  // caller's retransmission relayed again: its timers already run).
  void schedule_retransmissions(const std::string& k, Retransmitter::Message m);
  void start_timer_c(const net::Flow& origin, const net::Flow& target, std::string_view via,
                     std::string_view bytes, const std::string& timeout,
                     const std::optional<TransactionKey>& caller_transaction);
  // (Re)arms the Timer C entry of `branch` for `ms`. Called with mutex_ held.
  bool arm_timer_c_locked(const std::string& branch, int64_t ms);
  void timer_c_fired(const std::string& branch);
  void invite_provisional(std::string_view branch, int code);
  // The INVITE got its final answer (or Timer B answered 408): Timer C has nothing to do.
  void invite_finished(std::string_view branch);
  // Sends the caller the 408 and stores it in the caller's server transaction.
  void answer_caller_408(const PendingInvite& invite);
  static std::string timer_c_key(std::string_view branch);
  // The transaction key of a request the edge wrote (its method and our top Via); empty for
  // an ACK or bytes without either.
  static std::string own_key(std::string_view bytes);
  size_t held(const PendingInvite& p) const { return p.timeout.size() + p.cancel.size(); }

  Retransmitter& timers_;
  ServerTransactions* callers_;
  int64_t timer_c_ms_;
  std::unique_ptr<ClientTransactionCounters> owned_counters_;
  ClientTransactionCounters& counters_;
  mutable std::mutex mutex_;  // taken before the retransmitter's and the server transactions' locks
  std::unordered_map<std::string, PendingInvite> invites_;  // by our branch
  size_t invite_bytes_ = 0;
};

}  // namespace imsguard::edge
