#include "service/service_gate.h"

#include <algorithm>

#include "service/content_token.h"
#include "service/passport.h"

namespace imsguard::service {

ServiceGate::ServiceGate(const ServiceCatalog& catalog, Es256Key core_key, std::string x5u,
                         uint32_t token_lifetime_s)
    : catalog_(catalog), key_(std::move(core_key)), x5u_(std::move(x5u)), token_lifetime_s_(token_lifetime_s) {}

GateDecision ServiceGate::authorize(const std::vector<std::string>& profile, bool barred, std::string_view service,
                                    std::string_view method) const {
  const ServiceEntry* entry = catalog_.find(service);
  if (!entry) {
    ++refused_;
    return {false, 404, "no such service"};
  }
  if (barred) {
    ++refused_;
    return {false, 403, "subscriber barred"};
  }
  if (std::find(profile.begin(), profile.end(), entry->name) == profile.end()) {
    ++refused_;
    return {false, 403, "service not in subscriber profile"};
  }
  // BYE and CANCEL end or abandon a dialog of an INVITE service: they go to the service box,
  // which checks they belong to a dialog of this subscriber (481 otherwise).
  bool dialog_request = entry->sip_method() == "INVITE" && (method == "BYE" || method == "CANCEL");
  if (method != entry->sip_method() && !dialog_request) {
    ++refused_;
    return {false, 405, "service answers " + std::string(entry->sip_method()) + " only"};
  }
  return {true, 0, {}};
}

SignedAssertion ServiceGate::sign(std::string_view impu, std::string_view dest, std::string_view service,
                                  int64_t now, std::string_view signalling_address) const {
  PassportClaims c{std::string(impu), std::string(dest), now, new_origid(), std::string(service),
                   std::string(signalling_address)};
  std::string jws = passport_sign(key_, c, x5u_);
  return {identity_header(jws, x5u_), "<" + std::string(impu) + ">", c.origid};
}

std::string ServiceGate::issue_token(std::string_view impu, std::string_view service, int64_t now) const {
  ContentClaims c{std::string(impu), std::string(service), now + token_lifetime_s_, new_origid()};
  std::string token = content_token_issue(key_, c);
  return token + ";service=" + c.service + ";expires=" + std::to_string(c.exp);
}

ResponsePolicing ServiceGate::police_response(std::string_view service, const sip::Message& response) const {
  ResponsePolicing out;
  const ServiceEntry* entry = catalog_.find(service);
  for (const auto& h : response.headers()) {
    if (h.id == sip::HeaderId::kPAssertedIdentity) continue;  // judged below, as a whole
    bool ok = entry ? entry->may_set_header(h.name) : is_dialog_header(h.name);
    if (!ok && std::find(out.removed.begin(), out.removed.end(), std::string(h.name)) == out.removed.end())
      out.removed.emplace_back(h.name);
  }
  if (!response.has(sip::HeaderId::kPAssertedIdentity)) return out;
  auto ids = response.p_asserted_identities();
  if (!ids || ids->empty()) {
    out.refused_identities.emplace_back("(unparsable)");
    return out;
  }
  for (const auto& id : *ids) {
    if (!entry || !entry->may_assert_identity(id.uri.raw)) out.refused_identities.emplace_back(id.uri.raw);
  }
  out.asserted = out.refused_identities.empty();
  return out;
}

}  // namespace imsguard::service
