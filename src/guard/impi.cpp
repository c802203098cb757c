#include "guard/impi.h"

#include "guard/source.h"
#include "sip/auth.h"

namespace imsguard::guard {

uint64_t ClaimedImpi::hash() const {
  if (host.empty()) return hash_text_ci(user, 0x1a91);
  // user@host hashed as one text without building it.
  return hash_text_ci(host, hash_text_ci(user, 0x1a91) ^ '@');
}

std::string ClaimedImpi::to_string() const {
  if (host.empty()) return std::string(user);
  return std::string(user) + "@" + std::string(host);
}

ClaimedImpi claimed_impi(const sip::Message& msg) {
  ClaimedImpi out;
  if (const auto* f = msg.find(sip::HeaderId::kAuthorization)) {
    if (auto u = sip::find_auth_param(f->value, "username")) {
      std::string_view s = *u;
      if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
      if (!s.empty()) {
        // "alice@ims.local" and To "sip:alice@ims.local" must land on the same key.
        if (auto at = s.find('@'); at != std::string_view::npos) {
          out.user = s.substr(0, at);
          out.host = s.substr(at + 1);
        } else {
          out.user = s;
          if (auto to = msg.to()) out.host = to->uri.host;
        }
        out.from_credentials = true;
        return out;
      }
    }
  }
  if (auto to = msg.to()) {
    out.user = to->uri.user;
    out.host = to->uri.host;
  }
  return out;
}

}  // namespace imsguard::guard
