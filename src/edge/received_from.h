#pragma once
// The source of a request as its top Via's received/rport must name it (RFC 3261 18.2.1,
// RFC 3581): the edge records it on every request it parses (Message::set_received_from),
// so the answers and relayed copies tell a client behind a NAT its public address.
#include "net/flow.h"
#include "sip/via_received.h"

namespace imsguard::edge {

// The flow's address in text without brackets or scope, an IPv4-mapped IPv6 address (a
// dual-stack socket) as the IPv4 address the client sent from, and the flow's port.
// Written into a stack buffer by net::write_address: no allocation per request.
sip::ReceivedFrom received_from(const net::Flow& flow);

}  // namespace imsguard::edge
