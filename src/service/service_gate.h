#pragma once
// The core's side of I-S: decides whether a subscriber may reach a service (its service
// profile), signs what the core asserts toward the service box, polices what the service
// asserts back, and issues content tokens. Kept apart from the proxy so the policy is
// testable without sockets and the proxy only calls it.
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "service/catalog.h"
#include "service/es256.h"
#include "sip/message.h"

namespace imsguard::service {

struct GateDecision {
  bool allowed = false;
  int code = 0;        // 403 not in profile / barred, 404 unknown service
  std::string reason;  // for the response and the security event
};

// Headers to add to the request forwarded to the service box.
struct SignedAssertion {
  std::string identity;        // Identity header value (RFC 8224)
  std::string asserted;        // P-Asserted-Identity value "<sip:...>"
  std::string origid;
};

// What the core must do to a service's answer before relaying it.
struct ResponsePolicing {
  std::vector<std::string> removed;  // header names to remove (not allowed for this service)
  // P-Asserted-Identity URIs the service may not assert (servicebox.services[].may_assert),
  // or "(unparsable)": the answer is refused, not relayed.
  std::vector<std::string> refused_identities;
  bool asserted = false;  // the answer carries an allowed P-Asserted-Identity (kept as is)
};

class ServiceGate {
 public:
  ServiceGate(const ServiceCatalog& catalog, Es256Key core_key, std::string x5u, uint32_t token_lifetime_s);

  // `profile` is Subscriber::services. Counts refusals. An INVITE service also takes the
  // BYE and CANCEL of its dialogs (a re-INVITE is an INVITE).
  GateDecision authorize(const std::vector<std::string>& profile, bool barred, std::string_view service,
                         std::string_view method) const;

  // `signalling_address`: the IP of the subscriber's flow, signed into the assertion ("" for none).
  SignedAssertion sign(std::string_view impu, std::string_view dest, std::string_view service, int64_t now,
                       std::string_view signalling_address = {}) const;

  // Header value carrying a content token to the client in the relayed 2xx:
  // `<token>;service=<name>;expires=<unix>` (header name kContentTokenHeader).
  std::string issue_token(std::string_view impu, std::string_view service, int64_t now) const;

  // Lists what must be removed from a service's answer and which identities it asserted
  // that it may not (see ServiceEntry::may_assert, allowed_headers). An unknown service
  // may assert nothing and set no header beyond the dialog ones.
  ResponsePolicing police_response(std::string_view service, const sip::Message& response) const;

  uint64_t refused() const { return refused_.load(); }

 private:
  const ServiceCatalog& catalog_;
  Es256Key key_;
  std::string x5u_;
  uint32_t token_lifetime_s_;
  mutable std::atomic<uint64_t> refused_{0};
};

inline constexpr std::string_view kContentTokenHeader = "Content-Token";

}  // namespace imsguard::service
