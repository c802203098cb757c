#pragma once
// Which header fields may cross the edge's trust boundary, in which direction. A client is
// outside the trust domain (RFC 3325 2.3): what it writes in network-asserted headers
// (P-Asserted-Identity, Identity, Remote-Party-ID, charging, access network, called party,
// served user...) must never reach the network as if the network had said it, and a callee's
// answer must not assert anything toward the caller either. Only the trusted core's messages
// may carry what RFC 3325/3327/3608/3455 let a network element say, and even then the headers
// the network keeps to itself (charging, served user) stop at the edge (TS 24.229 5.2.6.3).
//
// One table (header_policy.cpp) decides all of it; the proxy calls apply() once per relayed
// message with the crossing it is making. Names are matched as RFC 3261 7.3.1 says: any case,
// long or compact form (sip::HeaderId where the parser knows the header).
#include "ops/counters.h"
#include "ops/events.h"
#include "sip/message.h"
#include "sip/writer.h"

#include <cstddef>
#include <string_view>
#include <vector>

namespace imsguard::edge {

// The boundary a message is crossing, and in which direction.
enum class Crossing : uint8_t {
  kClientRequest,      // a request from a client (untrusted) into the network
  kRequestToClient,    // a request from the trusted core or a peer edge toward a client
  kUntrustedResponse,  // a response from anyone but the trusted core (a callee, a peer edge)
  kCoreResponse,       // a response from the trusted core toward a client
  kCount
};

std::string_view crossing_name(Crossing crossing);

// What the policy reports through: its counters (per crossing and header, resolved once in
// the node's registry) and the node's event sink. The proxy holds one.
struct HeaderPolicyStats {
  HeaderPolicyStats(ops::CounterRegistry& metrics, ops::EventSink& events);
  std::vector<ops::Counter*> removed;  // [crossing * rules + rule]; null where a rule never removes
  ops::EventSink& events;
};

// Removes from `w` every header of `msg` that may not cross at `crossing`. Each removed
// header counts in imsguard_header_policy_removed_total{crossing,header}, and a message that
// lost any emits one security event naming them all. Returns the number of header lines removed.
size_t apply_header_policy(const HeaderPolicyStats& stats, Crossing crossing, const sip::Message& msg, sip::MessageWriter& w,
                           std::string_view source, std::string_view identity);

// True when `name` (as written, any case, compact forms included) may cross at `crossing`
// (for tests and the docs table).
bool header_may_cross(Crossing crossing, std::string_view name);

}  // namespace imsguard::edge
