#pragma once
// The address the edge writes as its own on one hop (Via sent-by, Record-Route, Path, the
// requests it makes itself): the address the peer on that flow reaches it at. A listener
// bound to a specific address names it; one bound to 0.0.0.0 or :: cannot name itself, so
// the local address the flow's request arrived on is used (IP_PKTINFO for UDP, the
// connection's local endpoint for TCP/TLS: net::Flow::local_address), and for a flow the
// edge only knows from a binding, the source address the kernel picks toward it (a routing
// lookup: connect() on a UDP socket, no packet sent). Writing 0.0.0.0 would send a phone's
// in-dialog requests and answers nowhere.
#include "config/config.h"
#include "net/flow.h"

#include <string>

namespace imsguard::edge {

// "host:port" (an IPv6 host in brackets) of the edge on `hop`'s transport and listener.
std::string edge_hostport(const config::Config& config, const net::Flow& hop);

}  // namespace imsguard::edge
