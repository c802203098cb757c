#pragma once
// BindingStore: registrations (AoR -> contact over a flow). An interface so that bindings
// survive a restart on one machine (SQLite) and are shared between edges (Redis): a client
// registered through edge A must be reachable through edge B.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "store/result.h"

namespace imsguard::store {

struct Binding {
  std::string aor;        // address of record (the registered IMPU)
  std::string contact;    // Contact URI as registered
  std::string impi;       // who authenticated this binding
  std::string transport;  // "udp", "tcp", "tls"
  std::string source;     // ip:port the REGISTER came from
  std::string flow_id;    // connection id for TCP/TLS, empty for UDP
  std::string call_id;
  uint32_t cseq = 0;
  int64_t expires_at = 0;  // unix seconds; the binding is live while now < expires_at
  std::string path;        // Path header value, if any

  bool operator==(const Binding&) const = default;
};

// Thread-safe. A binding is identified by (aor, contact). Every `now` is unix seconds and
// expired bindings are never returned, whether or not they have been purged yet.
class BindingStore {
 public:
  virtual ~BindingStore() = default;

  // Inserts or replaces the binding (aor, contact). kInvalid if aor or contact is empty.
  virtual StoreResult<void> upsert(const Binding& b) = 0;
  // True if a binding was removed.
  virtual StoreResult<bool> remove(std::string_view aor, std::string_view contact) = 0;
  // Number of bindings removed (un-register with Contact: *).
  virtual StoreResult<std::size_t> remove_all(std::string_view aor) = 0;
  // Live bindings of an AoR, ordered by contact.
  virtual StoreResult<std::vector<Binding>> lookup(std::string_view aor, int64_t now) = 0;
  // Live bindings registered over this flow (same transport, source and flow id), ordered by
  // (aor, contact): how the edge checks that a request comes from its registered flow.
  virtual StoreResult<std::vector<Binding>> find_by_flow(std::string_view transport,
                                                         std::string_view source,
                                                         std::string_view flow_id,
                                                         int64_t now) = 0;
  // Deletes expired bindings; returns how many.
  virtual StoreResult<std::size_t> purge_expired(int64_t now) = 0;
  // Deletes the expired bindings of one AoR; returns how many. The registrar calls it before
  // it adds a Contact, so what an AoR holds (and what a lookup of it reads) stays bounded by
  // registrar.max_contacts_per_aor even where no periodic purge runs (issue 17 F3).
  virtual StoreResult<std::size_t> purge_expired_of(std::string_view aor, int64_t now) = 0;
  // All live bindings, ordered by (aor, contact).
  virtual StoreResult<std::vector<Binding>> list(int64_t now) = 0;

  // Runs `writes` (calls to this store) as one unit where the backend can: SQLite makes them
  // one transaction, so a batch of the write-behind cache costs one commit instead of one
  // per binding. The calls report their own results; this one reports the commit. Default:
  // the calls as they are.
  virtual StoreResult<void> write_batch(const std::function<void(BindingStore&)>& writes) {
    writes(*this);
    return {};
  }
};

}  // namespace imsguard::store
