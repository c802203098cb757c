#include "service/service_gate.h"

#include <algorithm>
#include <strings.h>

#include "service/content_token.h"
#include "service/passport.h"

namespace imsguard::service {
namespace {

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// Headers every answer needs (RFC 3261 8.2.6.2) plus what the proxy adds itself.
constexpr std::string_view kDialogHeaders[] = {"Via",    "v",         "From",         "f",           "To",
                                               "t",      "Call-ID",   "i",            "CSeq",        "Record-Route",
                                               "Max-Forwards"};

}  // namespace

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
  if (method != entry->sip_method()) {
    ++refused_;
    return {false, 405, "service answers " + std::string(entry->sip_method()) + " only"};
  }
  return {true, 0, {}};
}

SignedAssertion ServiceGate::sign(std::string_view impu, std::string_view dest, std::string_view service,
                                  int64_t now) const {
  PassportClaims c{std::string(impu), std::string(dest), now, new_origid(), std::string(service)};
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
    bool ok = std::any_of(std::begin(kDialogHeaders), std::end(kDialogHeaders),
                          [&](std::string_view n) { return iequal(n, h.name); });
    if (!ok && entry)
      ok = std::any_of(entry->allowed_headers.begin(), entry->allowed_headers.end(),
                       [&](const std::string& n) { return iequal(n, h.name); });
    if (iequal(h.name, "P-Asserted-Identity")) {
      auto ids = response.p_asserted_identities();
      bool own = entry && ids && ids->size() == 1 && (*ids)[0].uri.raw == entry->identity;
      if (!own) out.identity_rewritten = true;
      continue;
    }
    if (!ok && std::find(out.removed.begin(), out.removed.end(), std::string(h.name)) == out.removed.end())
      out.removed.emplace_back(h.name);
  }
  return out;
}

}  // namespace imsguard::service
