#pragma once
// RFC 3261 server transactions (17.2) for the requests the edge answers itself. Over UDP
// a client retransmits a request until it sees a response; when the answer is slow (load)
// or lost, the retransmission must get the same answer again, not a second evaluation: a
// second REGISTER re-checked would be refused as a replayed nonce count, a second INVITE
// refused twice would be counted twice by the guards. So the edge remembers, per
// transaction (branch, sent-by, method), the final response it sent and resends it; a
// retransmission that arrives while the first copy is still being handled is absorbed;
// the ACK of a non-2xx final response to an INVITE ends in its INVITE transaction.
// Requests relayed to another element are marked so: until an answer comes back their
// retransmissions are relayed again (the next hop's transaction absorbs them, and the
// edge's client transaction, client_transactions.h, keeps one schedule). Once a final
// answer has gone back to the caller (the callee's, relayed, or the edge's own 408 when the
// callee stayed silent) a retransmission gets that answer from here, as from a stateful
// proxy's server transaction (17.2); the ACK of a relayed non-2xx still goes on to the
// element that answered, which waits for it.
//
// A final non-2xx answer of ours to an INVITE over UDP is sent again on Timer G (T1 doubling
// to T2) until its ACK arrives, and given up at Timer H (64*T1): the caller learns the answer
// even when a datagram is lost, without sending the INVITE again (17.2.1). Only INVITEs the
// edge set out to relay (registered flows, trusted peers) get it: refusals to anyone else
// are sent once, so a spoofed source cannot turn the edge into a 10x reflector.
//
// Bounded: entries live for Timer J / Timer H (64*T1 = 32 s) over UDP and are evicted
// oldest first when the table is full, so a flood of unique requests costs at most the
// configured capacity. The default capacity (sip.max_transactions, 2^20) holds every live
// transaction of 32 000 requests/s answered here (or 8 000/s relayed, remembered 2*64*T1):
// at the registration rates of docs/benchmarks.md nothing live is evicted. Memory per
// transaction is stated in docs/architecture.md (216 bytes plus the stored answer). Requests without an RFC 3261 branch are not matched (RFC 2543
// matching is not implemented) and are counted.
//
// This is the registration hot path (every UDP REGISTER opens a transaction), so the key
// is a 128-bit keyed hash of its fields built on the stack, not a string: one table node
// and the stored response are the only allocations per request.
#include "edge/retransmitter.h"
#include "net/flow.h"
#include "ops/counters.h"
#include "sip/message.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace imsguard::edge {

struct TransactionCounters;

// A transaction's identity: a keyed 128-bit hash of method | sent-by | branch | source
// (collisions are out of reach of a sender who does not know the per-process key).
struct TransactionKey {
  uint64_t high = 0;
  uint64_t low = 0;
  bool invite = false;  // an INVITE transaction (its non-2xx answer waits for an ACK)
  bool empty() const { return high == 0 && low == 0; }
  bool operator==(const TransactionKey& o) const { return high == o.high && low == o.low; }
};

class ServerTransactions {
 public:
  // `capacity`: transactions remembered at most (over all shards). `lifetime_ms`: how long a
  // completed UDP transaction is remembered (RFC 3261: 64*T1). `timers`: when set, final
  // non-2xx answers to INVITE are resent on Timer G until the ACK. `clock`: milliseconds on
  // a monotonic clock (tests pass a fake one; empty: steady_clock).
  // `metrics`: the node's registry.
  explicit ServerTransactions(ops::CounterRegistry& metrics, size_t capacity = 1 << 20, int64_t lifetime_ms = 32000, Retransmitter* timers = nullptr,
                              std::function<int64_t()> clock = {});
  ~ServerTransactions();

  enum class Match {
    kNew,       // first copy: handle it (the transaction is now open under `key`)
    kAbsorbed,  // a retransmission: the stored response (if any) was sent again; stop here
    kRelay,     // a retransmission of a relayed request: relay it again
    kUntracked, // no RFC 3261 branch, or a reliable transport: handle it, nothing stored
  };
  struct Opened {
    Match match = Match::kUntracked;
    TransactionKey key;  // set with kNew
  };

  // Looks the request up; for a retransmission answers it through `reply` and says so.
  Opened open(const net::Flow& flow, const sip::Message& request, net::Responder& reply);
  // The response just sent for the transaction `key` (1xx is kept until a final one).
  void responded(const TransactionKey& key, std::string_view response);
  // The request of `key` was relayed to another element. It is remembered for twice 64*T1
  // from now, so it outlives the client transaction (whose Timer B/F answer lands here).
  void relayed(const TransactionKey& key);
  // A final answer from the element the request of `key` was relayed to went back to the
  // caller: retransmissions get it (a 2xx to INVITE ends the transaction, RFC 3261 17.2.1,
  // so it is not kept).
  void answered_by_next_hop(const TransactionKey& key, std::string_view response);

  size_t size() const;

  // The transaction key of a request from `source`: method (ACK -> INVITE) | sent-by |
  // branch | source. nullopt without an RFC 3261 branch.
  static std::optional<TransactionKey> key_of(const sip::Message& request, std::string_view source);
  // The key of a request received from `source` over UDP (nullopt over other transports:
  // they have no server transactions here).
  static std::optional<TransactionKey> key_of(const sip::Message& request, const net::Flow& source);
  // The key of the caller's transaction a relayed response answers: its CSeq method, the
  // Via below ours (the caller's) and the caller's flow.
  static std::optional<TransactionKey> key_of_response(const sip::Message& response, const net::Flow& caller);

 private:
  // kRelayedAnswered: relayed, and the next hop's final answer went back to the caller.
  enum class State : uint8_t { kProceeding, kCompleted, kRelayed, kRelayedAnswered };
  struct Entry {
    State state = State::kProceeding;
    std::string response;
    int64_t expires_ms = 0;
    net::Flow flow;  // where Timer G resends the answer
  };
  struct KeyHash {
    size_t operator()(const TransactionKey& k) const { return static_cast<size_t>(k.low); }
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<TransactionKey, Entry, KeyHash> entries;
    std::deque<std::pair<int64_t, TransactionKey>> order;  // (expiry at insertion, key): oldest first
  };
  Shard& shard_of(const TransactionKey& key) { return shards_[key.high % shards_.size()]; }
  void evict_locked(Shard& shard, int64_t now);
  // Moves the entry's expiry to `expires_ms` (the old queue position is then skipped).
  static void extend_locked(Shard& shard, const TransactionKey& key, Entry& e, int64_t expires_ms);
  static std::string timer_key(const TransactionKey& key);
  int64_t clock_now() const;

  size_t shard_capacity_;
  int64_t lifetime_ms_;
  Retransmitter* timers_;
  std::function<int64_t()> clock_;
  std::array<Shard, 32> shards_;
  std::unique_ptr<TransactionCounters> owned_counters_;
  TransactionCounters& counters_;
};

// Sends through another responder and tells the transaction table what was sent, so every
// way the edge answers (registrar, guards, sanity) is recorded without knowing about it.
class RecordingResponder final : public net::Responder {
 public:
  RecordingResponder(net::Responder& inner, ServerTransactions& table, const TransactionKey& key)
      : inner_(inner), table_(table), key_(key) {}
  void send(std::string_view bytes) override {
    inner_.send(bytes);
    table_.responded(key_, bytes);
  }

 private:
  net::Responder& inner_;
  ServerTransactions& table_;
  const TransactionKey& key_;
};

}  // namespace imsguard::edge
