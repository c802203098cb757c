#pragma once
// What the registrar and the proxy tell the operator about everyday traffic (issue 19 point
// 7): a log line at info per registration, per authentication failure and per call (capped
// per kind, ops/activity_log.h), and a security event per successful registration. Kept
// apart from the registrar and the proxy so their message paths only call one function.
#include "edge/authenticator.h"
#include "net/flow.h"
#include "ops/activity_log.h"
#include "ops/events.h"
#include "sip/message.h"
#include "store/subscriber.h"

#include <cstdint>
#include <string_view>

namespace imsguard::edge {

// A REGISTER answered 200: `contacts` live bindings of the AoR, this flow's expiring in
// `expires_in_s` (0: the flow has no binding left, a de-registration). The security event
// and the log line each go through their cap (ops/episodes.h, ops/activity_log.h).
void report_registration(ops::EventSink& events, ops::ActivityLog& log, const net::Flow& flow, const store::Subscriber& sub, std::string_view aor, size_t contacts,
                         int64_t expires_in_s);

// An authentication that did not succeed, told apart by its reason (wrong password, unknown
// user, realm mismatch, ...): the log line. A first challenge (no credentials yet), a stale
// nonce and an AKA resynchronisation are the protocol working and are not logged.
void report_auth_outcome(ops::ActivityLog& log, const net::Flow& flow, const AuthResult& result);

// Calls relayed between subscribers: the INVITE that starts one (`to` is where it went), its
// final answer as relayed back to `caller`, and the BYE that ends it.
void report_call_relayed(ops::ActivityLog& log, const net::Flow& from, std::string_view caller, const sip::Message& invite, const net::Flow& to);
void report_call_answered(ops::ActivityLog& log, const sip::Message& response, const net::Flow& caller);
void report_call_ended(ops::ActivityLog& log, const net::Flow& from, std::string_view who, const sip::Message& bye);

}  // namespace imsguard::edge
