#include "edge/client_transactions.h"

#include "edge/cancel_request.h"
#include "edge/registrar.h"
#include "ops/counters.h"
#include "sip/parser.h"
#include "sip/response.h"

namespace imsguard::edge {

struct ClientTransactionCounters {
  ops::CounterRegistry& m;  // first: the members below are made from it
  ops::Counter& retransmissions = m.get(
      "imsguard_sip_client_retransmissions_total", "relayed requests, and the edge's own (Timer C CANCELs, BYEs ending a refused call), sent again over UDP (RFC 3261 Timer A/E)");
  ops::Counter& timeouts = m.get(
      "imsguard_sip_client_timeouts_total", "relayed requests never answered: 408 sent to the caller (Timer B/F, or Timer C)");
  ops::Counter& started = m.get("imsguard_sip_client_transactions_total{event=\"started\"}",
                                              "client transactions of relayed UDP requests, by event");
  ops::Counter& answered = m.get("imsguard_sip_client_transactions_total{event=\"answered\"}");
  ops::Counter& full = m.get("imsguard_sip_client_transactions_total{event=\"untracked_table_full\"}");
  ops::Counter& timer_c = m.get(
      "imsguard_sip_timer_c_total",
      "relayed INVITEs whose Timer C fired: CANCEL to the callee after a provisional, else 408 to the caller");
  ops::Counter& cancels = m.get(
      "imsguard_sip_client_transactions_total{event=\"timer_c_cancel_sent\"}");
};

namespace {

std::string_view branch_of(std::string_view via) {
  constexpr std::string_view kBranch = ";branch=";
  size_t at = via.find(kBranch);
  if (at == std::string_view::npos) return {};
  via.remove_prefix(at + kBranch.size());
  size_t end = via.find_first_of(";, \t\r\n");
  return via.substr(0, end);
}

// Our own relayed INVITE is parsed back (to copy its Route set into the CANCEL) within
// limits wide enough for anything the edge itself wrote.
constexpr sip::Limits kOwnMessageLimits{65535, 4096, 65535, 4096};

}  // namespace

ClientTransactions::ClientTransactions(Retransmitter& timers, ServerTransactions* callers, int64_t timer_c_ms,
                                       ops::CounterRegistry& metrics)
    : timers_(timers),
      callers_(callers),
      timer_c_ms_(timer_c_ms),
      owned_counters_(new ClientTransactionCounters{metrics}),
      counters_(*owned_counters_) {}

ClientTransactions::~ClientTransactions() = default;

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

std::string ClientTransactions::timer_c_key(std::string_view branch) { return key_for_branch(branch, "INVITE|C"); }

void ClientTransactions::relayed(const net::Flow& origin, const sip::Message& request, const net::Flow& target,
                                 std::string_view via, std::string bytes) {
  // An ACK has no transaction (17.1.1.3).
  if (request.method() == sip::Method::kAck) return;
  bool invite = request.method() == sip::Method::kInvite;
  bool udp = target.transport == config::Transport::kUdp;
  if (!udp && !(invite && timer_c_ms_ > 0)) return;  // over TCP/TLS the transport retransmits
  std::string timeout = sip::make_response(request, 408, "Request Timeout", {}, local_tag(request));
  auto caller_transaction = callers_ ? ServerTransactions::key_of(request, origin) : std::nullopt;
  if (invite && timer_c_ms_ > 0) start_timer_c(origin, target, via, bytes, timeout, caller_transaction);
  if (!udp) return;
  Retransmitter::Message m;
  m.to = target;
  m.bytes = std::move(bytes);
  m.capped = !invite;  // Timer A doubles to Timer B
  m.timeout_bytes = std::move(timeout);
  m.timeout_to = origin;
  m.retransmitted = &counters_.retransmissions;
  m.timed_out = &counters_.timeouts;
  m.on_timeout = [this, caller_transaction, invite, branch = std::string(branch_of(via))](std::string_view sent) {
    // The caller's retransmissions get this 408 from now on; an INVITE's Timer C is moot.
    if (callers_ && caller_transaction) callers_->responded(*caller_transaction, sent);
    if (invite) invite_finished(branch);
  };
  std::string k = key(via, request.method_name());
  schedule_retransmissions(k, std::move(m));
}

void ClientTransactions::start_timer_c(const net::Flow& origin, const net::Flow& target, std::string_view via,
                                       std::string_view bytes, const std::string& timeout,
                                       const std::optional<TransactionKey>& caller_transaction) {
  std::string branch(branch_of(via));
  if (branch.empty()) return;
  {
    std::lock_guard lock(mutex_);
    if (invites_.count(branch)) return;  // the caller's retransmission relayed again
  }
  PendingInvite p;
  p.caller = origin;
  p.callee = target;
  p.timeout = timeout;
  p.caller_transaction = caller_transaction;
  sip::Message sent;
  if (sip::parse_datagram(bytes, kOwnMessageLimits, sent).status == sip::ParseStatus::kOk)
    p.cancel = make_cancel(sent, via);
  std::lock_guard lock(mutex_);
  // Bounded like the retransmission table: entries and bytes.
  if (invites_.size() >= timers_.capacity() || invite_bytes_ + held(p) > timers_.capacity() * 4096) {
    counters_.full.inc();
    return;
  }
  auto [it, inserted] = invites_.emplace(branch, std::move(p));
  if (!inserted) return;
  invite_bytes_ += held(it->second);
  if (!arm_timer_c_locked(branch, timer_c_ms_)) {
    invite_bytes_ -= held(it->second);
    invites_.erase(it);
    counters_.full.inc();
  }
}

bool ClientTransactions::arm_timer_c_locked(const std::string& branch, int64_t ms) {
  Retransmitter::Message timer;  // no bytes: a plain timer
  timer.lifetime_ms = ms;
  timer.on_timeout = [this, branch](std::string_view) { timer_c_fired(branch); };
  std::string k = timer_c_key(branch);
  timers_.stop(k);
  return timers_.schedule(k, std::move(timer)) == Retransmitter::Scheduled::kStarted;
}

void ClientTransactions::timer_c_fired(const std::string& branch) {
  std::lock_guard lock(mutex_);
  auto it = invites_.find(branch);
  if (it == invites_.end()) return;
  PendingInvite& p = it->second;
  if (!p.cancelled) counters_.timer_c.inc();
  if (p.provisional && !p.cancelled && !p.cancel.empty()) {
    // 16.8: the callee rang too long. CANCEL it (a non-INVITE client transaction of our own,
    // which nobody is told about if it times out); its 487 then flows back to the caller.
    p.cancelled = true;
    timers_.send(p.callee, p.cancel);
    counters_.cancels.inc();
    if (p.callee.transport == config::Transport::kUdp) {
      Retransmitter::Message m;
      m.to = p.callee;
      m.bytes = p.cancel;
      m.retransmitted = &counters_.retransmissions;
      timers_.schedule(key_for_branch(branch, "CANCEL"), std::move(m));
    }
    // 9.1: without a final answer 64*T1 after the CANCEL the INVITE has timed out.
    if (arm_timer_c_locked(branch, 64 * timers_.timers().t1_ms)) return;
  }
  // No provisional: as if the callee had answered 408 (16.8); the INVITE is not resent.
  timers_.stop(key_for_branch(branch, "INVITE"));
  answer_caller_408(p);
  invite_bytes_ -= held(p);
  invites_.erase(it);
}

void ClientTransactions::answer_caller_408(const PendingInvite& p) {
  timers_.send(p.caller, p.timeout);
  counters_.timeouts.inc();
  if (callers_ && p.caller_transaction) callers_->responded(*p.caller_transaction, p.timeout);
}

void ClientTransactions::invite_provisional(std::string_view branch, int code) {
  std::lock_guard lock(mutex_);
  auto it = invites_.find(std::string(branch));
  if (it == invites_.end() || it->second.cancelled) return;
  it->second.provisional = true;  // any 1xx allows a CANCEL (9.1)
  // 16.7 step 2: a 101-199 restarts Timer C; a 100 only says the next hop has it.
  if (code > 100) arm_timer_c_locked(it->first, timer_c_ms_);
}

void ClientTransactions::invite_finished(std::string_view branch) {
  std::lock_guard lock(mutex_);
  auto it = invites_.find(std::string(branch));
  if (it == invites_.end()) return;
  timers_.stop(timer_c_key(branch));
  invite_bytes_ -= held(it->second);
  invites_.erase(it);
}

void ClientTransactions::abandoned(const sip::Message& request, std::string_view via) {
  timers_.stop(key(via, request.method_name()));
  if (request.method() == sip::Method::kInvite) invite_finished(branch_of(via));
}

std::string ClientTransactions::own_key(std::string_view bytes) {
  size_t space = bytes.find(' ');
  if (space == std::string_view::npos) return {};
  std::string_view method = bytes.substr(0, space);
  if (method == "ACK") return {};
  // Our Via is the first header line (own_request writes it so): a branch the request-URI
  // might spell (a peer's Contact) is never taken for it.
  constexpr std::string_view kVia = "\r\nVia: ";
  size_t at = bytes.find("\r\n");
  if (at == std::string_view::npos || bytes.substr(at, kVia.size()) != kVia) return {};
  size_t end = bytes.find("\r\n", at + 2);
  std::string_view via = bytes.substr(at + 2, end == std::string_view::npos ? std::string_view::npos : end - at - 2);
  if (branch_of(via).empty()) return {};
  return key(via, method);
}

void ClientTransactions::own_request_sent(const net::Flow& target, const std::string& bytes) {
  if (target.transport != config::Transport::kUdp) return;  // the transport retransmits
  std::string k = own_key(bytes);
  if (k.empty()) return;
  Retransmitter::Message m;
  m.to = target;
  m.bytes = bytes;
  m.capped = bytes.rfind("INVITE ", 0) != 0;  // Timer E; an INVITE's Timer A doubles to B
  m.retransmitted = &counters_.retransmissions;
  schedule_retransmissions(k, std::move(m));
}

void ClientTransactions::own_request_failed(const std::string& bytes) {
  if (std::string k = own_key(bytes); !k.empty()) timers_.stop(k);
}

void ClientTransactions::on_response(const sip::Message& response) {
  auto via = response.top_via();
  auto cseq = response.cseq();
  if (!via || !via->branch || !cseq) return;
  std::string k = key_for_branch(*via->branch, cseq->method);
  int code = response.status_code();
  bool invite = cseq->method == "INVITE";
  if (code < 200 && !invite) {
    timers_.slow_down(k);
    return;
  }
  if (timers_.stop(k)) counters_.answered.inc();
  if (!invite) return;
  if (code < 200) invite_provisional(*via->branch, code);
  else invite_finished(*via->branch);
}

void ClientTransactions::relayed_back(const net::Flow& caller, const sip::Message& response, std::string_view bytes) {
  if (!callers_ || response.status_code() < 200) return;
  if (auto k = ServerTransactions::key_of_response(response, caller)) callers_->answered_by_next_hop(*k, bytes);
}

size_t ClientTransactions::pending_invites() const {
  std::lock_guard lock(mutex_);
  return invites_.size();
}

void ClientTransactions::schedule_retransmissions(const std::string& k, Retransmitter::Message m) {
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

}  // namespace imsguard::edge
