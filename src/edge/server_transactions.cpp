#include "edge/server_transactions.h"

#include "guard/source.h"
#include "ops/counters.h"

#include <chrono>
#include <functional>

namespace imsguard::edge {

struct TransactionCounters {
  ops::CounterRegistry& m;  // first: the members below are made from it
  ops::Counter& opened = m.get("imsguard_edge_transactions_total{event=\"opened\"}",
                                             "server transactions by event");
  ops::Counter& resent = m.get("imsguard_edge_transactions_total{event=\"response_resent\"}");
  ops::Counter& absorbed = m.get("imsguard_edge_transactions_total{event=\"retransmission_absorbed\"}");
  ops::Counter& relayed = m.get("imsguard_edge_transactions_total{event=\"retransmission_relayed\"}");
  ops::Counter& ack = m.get("imsguard_edge_transactions_total{event=\"ack_absorbed\"}");
  ops::Counter& untracked = m.get("imsguard_edge_transactions_total{event=\"untracked_no_rfc3261_branch\"}");
  ops::Counter& evicted = m.get("imsguard_edge_transactions_total{event=\"evicted_full\"}");
  ops::Counter& retransmissions = m.get(
      "imsguard_sip_server_retransmissions_total", "non-2xx answers to INVITE sent again until the ACK (RFC 3261 Timer G)");
  ops::Counter& timeouts = m.get(
      "imsguard_sip_server_timeouts_total", "non-2xx answers to INVITE never acknowledged (Timer H)");
  ops::Counter& acked = m.get("imsguard_edge_transactions_total{event=\"ack_stopped_retransmissions\"}");
};

namespace {

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

bool is_final(std::string_view response) {
  // "SIP/2.0 NNN ...": final when NNN >= 200.
  return response.size() > 9 && response[8] != '1';
}

}  // namespace

ServerTransactions::ServerTransactions(ops::CounterRegistry& metrics, size_t capacity, int64_t lifetime_ms,
                                       Retransmitter* timers, std::function<int64_t()> clock)
    : shard_capacity_(std::max<size_t>(1, capacity / 32)),
      lifetime_ms_(lifetime_ms),
      timers_(timers),
      clock_(std::move(clock)),
      owned_counters_(new TransactionCounters{metrics}),
      counters_(*owned_counters_) {}

ServerTransactions::~ServerTransactions() = default;

int64_t ServerTransactions::clock_now() const { return clock_ ? clock_() : now_ms(); }

namespace {

// Two chains of the keyed hash over the fields (each field's length is mixed in, so the
// boundaries are part of the key): no string is built.
std::optional<TransactionKey> hash_key(std::string_view method, bool invite, const sip::Via& via,
                                       std::string_view source) {
  if (!via.has_rfc3261_branch()) return std::nullopt;
  auto chain = [&](uint64_t h) {
    h = guard::hash_bytes(method.data(), method.size(), h);
    h = guard::hash_bytes(via.host.data(), via.host.size(), h);
    h = guard::hash_bytes(&via.port, sizeof(via.port), h);
    h = guard::hash_bytes(via.branch->data(), via.branch->size(), h);
    return guard::hash_bytes(source.data(), source.size(), h);
  };
  TransactionKey key{chain(0x7472616e73616374ULL), chain(0x6b65792d6c6f7721ULL), invite};
  if (key.empty()) key.low = 1;  // empty() means "no transaction"
  return key;
}

// The source in its binary form: address (v4 or v6) and port, no text built.
std::array<uint8_t, 18> source_bytes(const net::Flow& flow) {
  std::array<uint8_t, 18> source{};
  if (flow.address.is_v4()) {
    auto b = flow.address.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), source.begin());
  } else {
    auto b = flow.address.to_v6().to_bytes();
    std::copy(b.begin(), b.end(), source.begin());
  }
  source[16] = static_cast<uint8_t>(flow.port >> 8);
  source[17] = static_cast<uint8_t>(flow.port);
  return source;
}

std::string_view as_view(const std::array<uint8_t, 18>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace

std::optional<TransactionKey> ServerTransactions::key_of(const sip::Message& request, std::string_view source) {
  auto via = request.top_via();
  if (!via) return std::nullopt;
  bool invite = request.method() == sip::Method::kInvite || request.method() == sip::Method::kAck;
  std::string_view method = request.method() == sip::Method::kAck ? "INVITE" : request.method_name();
  return hash_key(method, invite, *via, source);
}

std::optional<TransactionKey> ServerTransactions::key_of(const sip::Message& request, const net::Flow& source) {
  if (source.transport != config::Transport::kUdp) return std::nullopt;
  return key_of(request, as_view(source_bytes(source)));
}

std::optional<TransactionKey> ServerTransactions::key_of_response(const sip::Message& response,
                                                                  const net::Flow& caller) {
  if (caller.transport != config::Transport::kUdp) return std::nullopt;
  auto cseq = response.cseq();
  auto vias = response.vias();
  if (!cseq || !vias || vias->size() < 2) return std::nullopt;
  // A response's CSeq says INVITE for the INVITE transaction (an ACK has no response).
  return hash_key(cseq->method, cseq->method == "INVITE", (*vias)[1], as_view(source_bytes(caller)));
}

std::string ServerTransactions::timer_key(const TransactionKey& key) {
  return "s|" + std::to_string(key.high) + "|" + std::to_string(key.low);
}

void ServerTransactions::evict_locked(Shard& shard, int64_t now) {
  while (!shard.order.empty() && (shard.order.front().first <= now || shard.entries.size() >= shard_capacity_)) {
    bool full = shard.order.front().first > now;
    auto it = shard.entries.find(shard.order.front().second);
    if (it != shard.entries.end() && it->second.expires_ms == shard.order.front().first) {
      shard.entries.erase(it);
      if (full) counters_.evicted.inc();
    }
    shard.order.pop_front();
  }
}

ServerTransactions::Opened ServerTransactions::open(const net::Flow& flow, const sip::Message& request,
                                                    net::Responder& reply) {
  Opened out;
  // Reliable transports do not retransmit (RFC 3261 17.1.2.2 Timer E is for UDP only).
  if (flow.transport != config::Transport::kUdp) return out;
  // The source is part of the key: a request from elsewhere that copies a victim's Via
  // must not be taken for the victim's retransmission (nor pre-empt it).
  auto key = key_of(request, flow);
  if (!key) {
    counters_.untracked.inc();
    return out;
  }
  Shard& shard = shard_of(*key);
  int64_t now = clock_now();
  std::string resend;
  {
    std::lock_guard lock(shard.mutex);
    auto it = shard.entries.find(*key);
    if (it != shard.entries.end() && it->second.expires_ms > now) {
      const Entry& e = it->second;
      // The ACK of a non-2xx answer to a relayed INVITE belongs to the element that answered:
      // it stops that element's retransmissions, so it is relayed too.
      if (e.state == State::kRelayed || (e.state == State::kRelayedAnswered && request.method() == sip::Method::kAck)) {
        counters_.relayed.inc();
        out.match = Match::kRelay;
        return out;
      }
      if (request.method() == sip::Method::kAck) {
        counters_.ack.inc();
        out.match = Match::kAbsorbed;
        if (timers_ && e.state == State::kCompleted && timers_->stop(timer_key(*key))) counters_.acked.inc();
        return out;
      }
      out.match = Match::kAbsorbed;
      if (e.response.empty()) {
        counters_.absorbed.inc();
        return out;
      }
      resend = e.response;
    } else if (request.method() == sip::Method::kAck) {
      // An ACK that matches nothing here belongs to a 2xx (its own transaction) or to an
      // INVITE we forgot: let the caller route or drop it.
      return out;
    } else {
      evict_locked(shard, now);
      Entry& e = shard.entries[*key];
      e = Entry{};
      e.expires_ms = now + lifetime_ms_;
      e.flow = flow;
      shard.order.emplace_back(e.expires_ms, *key);
      counters_.opened.inc();
      out.match = Match::kNew;
      out.key = *key;
      return out;
    }
  }
  counters_.resent.inc();
  reply.send(resend);
  return out;
}

void ServerTransactions::responded(const TransactionKey& key, std::string_view response) {
  if (key.empty()) return;
  Shard& shard = shard_of(key);
  std::lock_guard lock(shard.mutex);
  auto it = shard.entries.find(key);
  if (it == shard.entries.end() || it->second.state == State::kCompleted ||
      it->second.state == State::kRelayedAnswered)
    return;
  it->second.response.assign(response);
  if (!is_final(response)) return;
  bool was_relayed = it->second.state == State::kRelayed;
  it->second.state = State::kCompleted;
  // Completed: remembered for Timer J / Timer H from now (RFC 3261 17.2.1, 17.2.2). Only a
  // relayed request can have waited long (the edge's own answers come at once, and the
  // registration hot path does not pay for a second queue entry).
  if (was_relayed) extend_locked(shard, key, it->second, clock_now() + lifetime_ms_);
  // A final non-2xx answer to INVITE waits for its ACK (a 2xx is the dialog's business).
  // Only for a request the edge set out to relay (from a registered flow or a trusted
  // peer): a refusal to an unknown source is sent once, or one spoofed INVITE would become
  // eleven datagrams toward the address it names. Scheduled under the shard lock, so the
  // ACK (which stops it under the same lock) cannot come in between.
  if (timers_ && key.invite && was_relayed && response[8] != '2') {
    Retransmitter::Message timer_g;
    timer_g.to = it->second.flow;
    timer_g.bytes.assign(response);
    timer_g.retransmitted = &counters_.retransmissions;
    timer_g.timed_out = &counters_.timeouts;
    timers_->schedule(timer_key(key), std::move(timer_g));
  }
}

void ServerTransactions::extend_locked(Shard& shard, const TransactionKey& key, Entry& e, int64_t expires_ms) {
  if (expires_ms <= e.expires_ms) return;
  e.expires_ms = expires_ms;
  shard.order.emplace_back(expires_ms, key);
}

void ServerTransactions::relayed(const TransactionKey& key) {
  if (key.empty()) return;
  Shard& shard = shard_of(key);
  std::lock_guard lock(shard.mutex);
  auto it = shard.entries.find(key);
  if (it == shard.entries.end()) return;
  it->second.state = State::kRelayed;
  extend_locked(shard, key, it->second, clock_now() + 2 * lifetime_ms_);
}

void ServerTransactions::answered_by_next_hop(const TransactionKey& key, std::string_view response) {
  if (key.empty() || !is_final(response) || (key.invite && response[8] == '2')) return;
  Shard& shard = shard_of(key);
  std::lock_guard lock(shard.mutex);
  auto it = shard.entries.find(key);
  // Only over a relayed transaction still waiting: the edge's own answer (a 408 on Timer
  // B/F, a 480) stands once sent.
  if (it == shard.entries.end() || it->second.state != State::kRelayed) return;
  it->second.response.assign(response);
  it->second.state = State::kRelayedAnswered;
  extend_locked(shard, key, it->second, clock_now() + lifetime_ms_);
}

size_t ServerTransactions::size() const {
  size_t n = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    n += shard.entries.size();
  }
  return n;
}

}  // namespace imsguard::edge
