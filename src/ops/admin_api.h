#pragma once
// The admin API of a running imsguard: what an operator may ask and change over HTTP, the
// bearer-token check in front of it, and the JSON it answers with. The router is plain
// request-in/response-out so it is tested without sockets; admin_server.h puts it on HTTP.
// What the API reads and changes comes through AdminBackend, which the node implements over
// the guard chain and the state stores (ops cannot depend on them). Nothing it returns
// carries a secret: no K, OPc, HA1 or password ever leaves through this API.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace imsguard::ops {

class CounterRegistry;

struct AdminStatus {
  int status = 200;     // HTTP status: 200/201 ok, 400 bad input, 404 unknown, 503 store down
  std::string message;  // why, when not ok
  bool ok() const { return status < 300; }
};

struct AdminBan {
  std::string prefix;  // "203.0.113.7/32", "2001:db8::/64"
  uint16_t port = 0;   // non-zero: a single flow
  std::string reason;
  std::string by;      // guard name or "admin"
  int64_t remaining_s = 0;
  uint64_t hits = 0;
  bool automatic = true;
};

struct AdminBinding {
  std::string aor, contact, impi, transport, source;
  int64_t expires_in_s = 0;
};

// A brute-force lockout in force (guard/lockouts.h).
struct AdminLockout {
  std::string kind;     // "identity" or "source"
  std::string subject;  // the IMPI, or the source address (or flow) as the guard keys it
  std::string reason;
  int64_t remaining_s = 0;
};

struct AdminSubscriber {
  std::string impi;
  std::vector<std::string> impus;
  std::string realm;
  std::string scheme;  // "digest" or "aka"
  std::vector<std::string> digest_algorithms;  // the algorithms an HA1 is provisioned for
  bool barred = false;
  std::vector<std::string> services;
  std::vector<AdminBinding> registrations;
  int64_t lockout_remaining_s = 0;  // brute-force lockout of this IMPI (0: none)
};

class AdminBackend {
 public:
  virtual ~AdminBackend() = default;
  virtual std::vector<AdminBan> list_bans() = 0;
  // `prefix` as the operator typed it ("198.51.100.0/24", "2001:db8::1").
  virtual AdminStatus add_ban(std::string_view prefix, uint32_t ttl_s, std::string_view reason) = 0;
  virtual AdminStatus remove_ban(std::string_view prefix, uint16_t port) = 0;
  virtual AdminStatus list_registrations(std::vector<AdminBinding>& out) = 0;
  // The live bindings of one AoR ("sip:alice@ims.example"; "alice@ims.example" means sip:).
  virtual AdminStatus registrations_of(std::string_view aor, std::vector<AdminBinding>& out) {
    std::vector<AdminBinding> all;
    if (auto s = list_registrations(all); !s.ok()) return s;
    for (auto& b : all)
      if (b.aor == aor) out.push_back(std::move(b));
    return {};
  }
  // Removes the AoR's binding of `contact` (empty: all of them); the flows left without a
  // binding lose their registration at once. 404 when nothing matched.
  virtual AdminStatus remove_registrations(std::string_view aor, std::string_view contact, size_t& removed) {
    (void)aor, (void)contact, (void)removed;
    return {404, "this node keeps no registrations"};
  }
  // Brute-force lockouts in force, and lifting one (`subject` as listed: an IMPI or an address).
  virtual std::vector<AdminLockout> list_lockouts() { return {}; }
  virtual AdminStatus unlock(std::string_view subject, AdminLockout& lifted) {
    (void)subject, (void)lifted;
    return {404, "no lockouts on this node"};
  }
  virtual AdminStatus subscriber(std::string_view impi, AdminSubscriber& out) = 0;
  // The configuration in force as YAML (secrets redacted), for `imsguard audit --live`.
  virtual AdminStatus effective_config(std::string& yaml) {
    (void)yaml;
    return {404, "this node does not report its configuration"};
  }
};

struct AdminRequest {
  std::string method;         // "GET", "POST", "DELETE", ...
  std::string path;           // without the query string
  std::map<std::string, std::string> query;
  std::string authorization;  // the Authorization header ("" when absent)
  std::string body;
};

struct AdminResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;
};

// Routes:
//   GET    /metrics                       Prometheus text
//   GET    /api/v1/bans                   {"bans":[...],"lockouts":[...]}
//   POST   /api/v1/bans                   {"prefix":"..","ttl_s":N,"reason":".."} -> 201
//   DELETE /api/v1/bans?prefix=P[&port=N] removes one ban
//   DELETE /api/v1/lockouts?subject=S     lifts a brute-force lockout (IMPI or address)
//   GET    /api/v1/registrations[?aor=A]  {"registrations":[...]}, all or one AoR's
//   DELETE /api/v1/registrations?aor=A[&contact=C]  removes bindings -> {"removed":N}
//   GET    /api/v1/subscribers/{impi}     a subscriber's state, without secrets
//   GET    /api/v1/config/effective       the configuration in force, YAML, secrets redacted
// Every route needs "Authorization: Bearer <token>"; 401 otherwise.
class AdminRouter {
 public:
  // `token` must be non-empty (an empty token means the API is not started at all).
  // `counters`: the node's registry, served on /metrics.
  AdminRouter(std::string token, AdminBackend& backend, const CounterRegistry& counters);
  AdminResponse handle(const AdminRequest& request);

 private:
  bool authorized(std::string_view authorization) const;
  AdminResponse bans(const AdminRequest& r);
  AdminResponse registrations(const AdminRequest& r);
  AdminResponse lockouts(const AdminRequest& r);
  AdminResponse subscriber(std::string_view impi);

  std::string token_;
  AdminBackend& backend_;
  const CounterRegistry& counters_;
};

// Compares in time that depends only on the lengths, never on where the texts differ.
bool constant_time_equal(std::string_view a, std::string_view b);

// {"error": message} with `status`.
AdminResponse admin_error(int status, std::string_view message);

}  // namespace imsguard::ops
