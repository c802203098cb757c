#include "edge/server_transactions.h"

#include "ops/counters.h"

#include <chrono>
#include <functional>

namespace imsguard::edge {

struct TransactionCounters {
  ops::Counter& opened = ops::counters().get("imsguard_edge_transactions_total{event=\"opened\"}",
                                             "server transactions by event");
  ops::Counter& resent = ops::counters().get("imsguard_edge_transactions_total{event=\"response_resent\"}");
  ops::Counter& absorbed = ops::counters().get("imsguard_edge_transactions_total{event=\"retransmission_absorbed\"}");
  ops::Counter& relayed = ops::counters().get("imsguard_edge_transactions_total{event=\"retransmission_relayed\"}");
  ops::Counter& ack = ops::counters().get("imsguard_edge_transactions_total{event=\"ack_absorbed\"}");
  ops::Counter& untracked = ops::counters().get("imsguard_edge_transactions_total{event=\"untracked_no_rfc3261_branch\"}");
  ops::Counter& evicted = ops::counters().get("imsguard_edge_transactions_total{event=\"evicted_full\"}");
};

namespace {

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

TransactionCounters& transaction_counters() {
  static TransactionCounters c;
  return c;
}

bool is_final(std::string_view response) {
  // "SIP/2.0 NNN ...": final when NNN >= 200.
  return response.size() > 9 && response[8] != '1';
}

}  // namespace

ServerTransactions::ServerTransactions(size_t capacity, int64_t lifetime_ms)
    : shard_capacity_(std::max<size_t>(1, capacity / 32)), lifetime_ms_(lifetime_ms), counters_(transaction_counters()) {}

ServerTransactions::Shard& ServerTransactions::shard_of(const std::string& key) {
  return shards_[std::hash<std::string>{}(key) % shards_.size()];
}

std::optional<std::string> ServerTransactions::key_of(const sip::Message& request) {
  auto via = request.top_via();
  if (!via || !via->has_rfc3261_branch()) return std::nullopt;
  std::string_view method = request.method() == sip::Method::kAck ? "INVITE" : request.method_name();
  std::string key;
  key.reserve(method.size() + via->host.size() + via->branch->size() + 16);
  key += method;
  key += '|';
  key += via->host;
  key += ':';
  key += std::to_string(via->port);
  key += '|';
  key += *via->branch;
  return key;
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
  auto key = key_of(request);
  if (!key) {
    counters_.untracked.inc();
    return out;
  }
  // The source is part of the key: a request from elsewhere that copies a victim's Via
  // must not be taken for the victim's retransmission (nor pre-empt it).
  *key += '|';
  *key += flow.source();
  Shard& shard = shard_of(*key);
  int64_t now = now_ms();
  std::string resend;
  {
    std::lock_guard lock(shard.mutex);
    auto it = shard.entries.find(*key);
    if (it != shard.entries.end() && it->second.expires_ms > now) {
      const Entry& e = it->second;
      // The ACK of a non-2xx answer to a relayed INVITE belongs to the element that answered:
      // it stops that element's retransmissions, so it is relayed too.
      if (e.state == State::kRelayed) {
        counters_.relayed.inc();
        out.match = Match::kRelay;
        return out;
      }
      if (request.method() == sip::Method::kAck) {
        counters_.ack.inc();
        out.match = Match::kAbsorbed;
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
      shard.order.emplace_back(e.expires_ms, *key);
      counters_.opened.inc();
      out.match = Match::kNew;
      out.key = std::move(*key);
      return out;
    }
  }
  counters_.resent.inc();
  reply.send(resend);
  return out;
}

void ServerTransactions::responded(const std::string& key, std::string_view response) {
  if (key.empty()) return;
  Shard& shard = shard_of(key);
  std::lock_guard lock(shard.mutex);
  auto it = shard.entries.find(key);
  if (it == shard.entries.end() || it->second.state == State::kCompleted) return;
  it->second.response.assign(response);
  if (is_final(response)) it->second.state = State::kCompleted;
}

void ServerTransactions::relayed(const std::string& key) {
  if (key.empty()) return;
  Shard& shard = shard_of(key);
  std::lock_guard lock(shard.mutex);
  auto it = shard.entries.find(key);
  if (it != shard.entries.end()) it->second.state = State::kRelayed;
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
