#pragma once
// What the guards' authentication hook is told about one authentication result. REGISTER (the
// registrar) and other requests answered with a 407 (request_challenge) report through this
// one translation, so a guard counts a failure, a resynchronisation or a replay the same way
// whichever path the credentials came by.
#include "edge/authenticator.h"
#include "guard/guard.h"

#include <string_view>

namespace imsguard::edge {

// The result holds views of `r` and `reason`: both must outlive it.
inline guard::AuthInfo guard_auth_info(const AuthResult& r, std::string_view reason) {
  guard::AuthInfo info{guard::AuthEvent::kChallenged, r.impi, reason};
  if (r.outcome == AuthOutcome::kAuthenticated) info.event = guard::AuthEvent::kAuthenticated;
  else if (r.outcome == AuthOutcome::kFailed) info.event = guard::AuthEvent::kFailed;
  else if (r.reason == AuthReason::kResynchronised) info.event = guard::AuthEvent::kResync;
  info.answered_our_challenge = r.answered_our_challenge;
  info.replay = r.reason == AuthReason::kNcReplay;
  return info;
}

}  // namespace imsguard::edge
