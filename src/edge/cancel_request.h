#pragma once
// The CANCEL a proxy sends on its own (RFC 3261 16.8, Timer C): the callee rang but never
// answered, so the edge ends the INVITE it relayed. Built per 9.1 from the INVITE exactly as
// the callee received it: the same Request-URI, Call-ID, From, To, CSeq number and Route
// set, and a single Via equal to the INVITE's top Via (ours, whose branch the callee's
// server transaction matches the CANCEL by).
#include "sip/message.h"

#include <string>
#include <string_view>

namespace imsguard::edge {

// `relayed_invite`: the INVITE as sent; `our_via`: its top Via value. Empty when the
// INVITE lacks a field a CANCEL must copy.
std::string make_cancel(const sip::Message& relayed_invite, std::string_view our_via);

}  // namespace imsguard::edge
