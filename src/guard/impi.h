#pragma once
// The private identity a request claims, without allocating: the Digest username of its
// Authorization header when present, else the user@host of its To URI. Used to key the
// per-IMPI guards (rate limits, lockout, HSS protection).
#include "sip/message.h"

#include <string_view>

namespace imsguard::guard {

struct ClaimedImpi {
  std::string_view user;  // username (may hold '@') or To user
  std::string_view host;  // To host when the username came from To; else empty
  bool from_credentials = false;
  bool empty() const { return user.empty() && host.empty(); }
  uint64_t hash() const;
  std::string to_string() const;
};

ClaimedImpi claimed_impi(const sip::Message& msg);

}  // namespace imsguard::guard
