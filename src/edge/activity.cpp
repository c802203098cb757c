#include "edge/activity.h"

#include "edge/media_policy.h"
#include "ops/activity_log.h"
#include "ops/episodes.h"

#include <string>

namespace imsguard::edge {

namespace {

using ops::Activity;

std::string_view scheme_name(AuthScheme scheme) { return scheme == AuthScheme::kAka ? "IMS AKA" : "Digest"; }

// Reasons that are the protocol at work rather than a failed attempt.
bool routine(AuthReason reason) {
  switch (reason) {
    case AuthReason::kNone:
    case AuthReason::kNoCredentials:
    case AuthReason::kNoAnswerYet:
    case AuthReason::kStaleNonce:
    case AuthReason::kResynchronised:
      return true;
    default:
      return false;
  }
}

// A UDP retransmission is relayed again, and a 2xx to INVITE is resent until its ACK: each
// call is told once per stage (bounded sets of recent Call-IDs, as for the media event).
CallReports& calls_started() {
  static CallReports seen;
  return seen;
}
CallReports& calls_answered() {
  static CallReports seen;
  return seen;
}
CallReports& calls_ended() {
  static CallReports seen;
  return seen;
}

std::string from_uri(const sip::Message& msg) {
  auto from = msg.from();
  return from ? std::string(from->uri.raw) : std::string("?");
}

}  // namespace

void report_registration(ops::EventSink& events, ops::ActivityLog& log, const net::Flow& flow, const store::Subscriber& sub, std::string_view aor, size_t contacts,
                         int64_t expires_in_s) {
  const AuthScheme scheme = sub.scheme == store::AuthScheme::kAka ? AuthScheme::kAka : AuthScheme::kDigest;
  std::string source = flow.to_string();
  const bool registered = expires_in_s > 0;
  std::string what = std::string(registered ? "registered " : "deregistered ") + std::string(aor) + " with " +
                     std::string(scheme_name(scheme)) + "; " + std::to_string(contacts) + " contact(s) bound";
  if (registered) what += ", this flow's for " + std::to_string(expires_in_s) + " s";
  // Through the episode log, like every event that a flood of requests can repeat: a phone's
  // first registration is written at once, its refreshes within the window are counted in
  // one summary, and a registration storm is held to the per-second cap (the rest counted in
  // the "suppressed" line) rather than written and flushed line by line.
  ops::emit_episode(events, {"registrar", source, sub.impi, registered ? "register" : "deregister", what});
  log.log(Activity::kRegistration,
                    [&] { return "registration: " + sub.impi + " " + what + " (from " + source + ")"; });
}

void report_auth_outcome(ops::ActivityLog& log, const net::Flow& flow, const AuthResult& r) {
  if (r.outcome == AuthOutcome::kAuthenticated || r.outcome == AuthOutcome::kUnavailable || routine(r.reason)) return;
  log.log(Activity::kAuthFailure, [&] {
    std::string who = r.impi.empty() ? std::string("(no identity)") : r.impi;
    return "auth failure: " + who + " from " + flow.to_string() + ": " + r.reason_line() + " (" +
           std::string(scheme_name(r.scheme)) + (r.outcome == AuthOutcome::kFailed ? ", counted as a failure)" : ", challenged again)");
  });
}

void report_call_relayed(ops::ActivityLog& log, const net::Flow& from, std::string_view caller, const sip::Message& invite, const net::Flow& to) {
  if (!spdlog::should_log(spdlog::level::info) || !calls_started().first(invite.call_id())) return;
  log.log(Activity::kCall, [&] {
    return "call: " + std::string(caller) + " -> " + std::string(invite.request_uri()) + " (Call-ID " +
           std::string(invite.call_id()) + ", from " + from.to_string() + ", sent to " + to.to_string() + ")";
  });
}

void report_call_answered(ops::ActivityLog& log, const sip::Message& response, const net::Flow& caller) {
  if (!spdlog::should_log(spdlog::level::info) || !calls_answered().first(response.call_id())) return;
  log.log(Activity::kCall, [&] {
    const int code = response.status_code();
    std::string outcome = code < 300 ? "answered" : "not answered";
    return "call " + std::string(response.call_id()) + ": " + outcome + " " + std::to_string(code) + " " +
           std::string(response.reason()) + " (to the caller at " + caller.to_string() + ")";
  });
}

void report_call_ended(ops::ActivityLog& log, const net::Flow& from, std::string_view who, const sip::Message& bye) {
  if (!spdlog::should_log(spdlog::level::info) || !calls_ended().first(bye.call_id())) return;
  log.log(Activity::kCall, [&] {
    return "call " + std::string(bye.call_id()) + ": ended by " + std::string(who) + " (" + from_uri(bye) + " from " +
           from.to_string() + ")";
  });
}

}  // namespace imsguard::edge
