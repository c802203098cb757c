#include "edge/client_transactions.h"

#include "edge/registrar.h"
#include "ops/counters.h"
#include "sip/response.h"

namespace imsguard::edge {

struct ClientTransactionCounters {
  ops::Counter& retransmissions = ops::counters().get(
      "imsguard_sip_client_retransmissions_total", "relayed requests sent again over UDP (RFC 3261 Timer A/E)");
  ops::Counter& timeouts = ops::counters().get(
      "imsguard_sip_client_timeouts_total", "relayed requests never answered: 408 sent to the caller (Timer B/F)");
  ops::Counter& started = ops::counters().get("imsguard_sip_client_transactions_total{event=\"started\"}",
                                              "client transactions of relayed UDP requests, by event");
  ops::Counter& answered = ops::counters().get("imsguard_sip_client_transactions_total{event=\"answered\"}");
  ops::Counter& full = ops::counters().get("imsguard_sip_client_transactions_total{event=\"untracked_table_full\"}");
};

namespace {

ClientTransactionCounters& client_transaction_counters() {
  static ClientTransactionCounters c;
  return c;
}

std::string_view branch_of(std::string_view via) {
  constexpr std::string_view kBranch = ";branch=";
  size_t at = via.find(kBranch);
  if (at == std::string_view::npos) return {};
  via.remove_prefix(at + kBranch.size());
  size_t end = via.find_first_of(";, \t\r\n");
  return via.substr(0, end);
}

}  // namespace

ClientTransactions::ClientTransactions(Retransmitter& timers)
    : timers_(timers), counters_(client_transaction_counters()) {}

std::string ClientTransactions::key(std::string_view via, std::string_view method) {
  return key_for_branch(branch_of(via), method);
}

std::string ClientTransactions::key_for_branch(std::string_view branch, std::string_view method) {
  std::string k;
  k.reserve(branch.size() + method.size() + 3);
  k += "c|";
  k += branch;
  k += '|';
  k += method;
  return k;
}

void ClientTransactions::relayed(const net::Flow& origin, const sip::Message& request, const net::Flow& target,
                                 std::string_view via, std::string bytes) {
  // Over TCP/TLS the transport retransmits; an ACK has no transaction (17.1.1.3).
  if (target.transport != config::Transport::kUdp || request.method() == sip::Method::kAck) return;
  Retransmitter::Message m;
  m.to = target;
  m.bytes = std::move(bytes);
  m.capped = request.method() != sip::Method::kInvite;  // Timer A doubles to Timer B
  m.timeout_bytes = sip::make_response(request, 408, "Request Timeout", {}, local_tag(request));
  m.timeout_to = origin;
  m.retransmitted = &counters_.retransmissions;
  m.timed_out = &counters_.timeouts;
  std::string k = key(via, request.method_name());
  // A key in flight is the caller's retransmission relayed again: the timers already run.
  switch (timers_.schedule(k, std::move(m))) {
    case Retransmitter::Scheduled::kStarted:
      counters_.started.inc();
      break;
    case Retransmitter::Scheduled::kAlreadyInFlight:
      break;
    case Retransmitter::Scheduled::kNoRoom:
      counters_.full.inc();
      break;
  }
}

void ClientTransactions::on_response(const sip::Message& response) {
  auto via = response.top_via();
  auto cseq = response.cseq();
  if (!via || !via->branch || !cseq) return;
  std::string k = key_for_branch(*via->branch, cseq->method);
  int code = response.status_code();
  if (code < 200 && cseq->method != "INVITE") {
    timers_.slow_down(k);
    return;
  }
  if (timers_.stop(k)) counters_.answered.inc();
}

}  // namespace imsguard::edge
