#include "edge/header_policy.h"

#include "ops/counters.h"
#include "ops/episodes.h"
#include "ops/events.h"
#include "sip/header_id.h"
#include "sip/lex.h"

#include <array>
#include <string>

namespace imsguard::edge {

namespace {

constexpr uint8_t bit(Crossing c) { return static_cast<uint8_t>(1u << static_cast<unsigned>(c)); }
constexpr uint8_t kFromClient = bit(Crossing::kClientRequest);
constexpr uint8_t kToClient = bit(Crossing::kRequestToClient);
constexpr uint8_t kUntrustedAnswer = bit(Crossing::kUntrustedResponse);
constexpr uint8_t kCoreAnswer = bit(Crossing::kCoreResponse);
// Said only by the network: removed from whatever an untrusted party sends, kept from the core.
constexpr uint8_t kNetworkAsserted = kFromClient | kUntrustedAnswer;
// Network-internal: never crosses the edge in either direction.
constexpr uint8_t kNetworkInternal = kFromClient | kToClient | kUntrustedAnswer | kCoreAnswer;

struct Rule {
  std::string_view name;  // canonical long name
  sip::HeaderId id;       // kOther: matched by name (case-insensitive), no compact form exists
  uint8_t removed_at;     // bits of Crossing
};

// The whole policy. A header not listed crosses unchanged (From, To, Contact, Privacy ...).
constexpr std::array kRules{
    // Identity (RFC 3325, RFC 8224, RFC 3455): only the network asserts who someone is.
    Rule{"P-Asserted-Identity", sip::HeaderId::kPAssertedIdentity, kNetworkAsserted},
    // A UE's wish (RFC 3325 9.2): read by the edge, consumed there, meaningless elsewhere.
    Rule{"P-Preferred-Identity", sip::HeaderId::kPPreferredIdentity, kNetworkInternal},
    Rule{"Identity", sip::HeaderId::kIdentity, kNetworkAsserted},
    Rule{"Identity-Info", sip::HeaderId::kIdentityInfo, kNetworkAsserted},
    // Pre-standard identity assertion: screen=yes claims the network checked it.
    Rule{"Remote-Party-ID", sip::HeaderId::kOther, kNetworkAsserted},
    Rule{"P-Called-Party-ID", sip::HeaderId::kPCalledPartyId, kNetworkAsserted},
    Rule{"P-Associated-URI", sip::HeaderId::kPAssociatedUri, kNetworkAsserted},
    // Route sets the registrar hands out (RFC 3608) and the proxies' Path (RFC 3327): a UA
    // writes neither, and a callee cannot hand the caller a route set.
    Rule{"Service-Route", sip::HeaderId::kServiceRoute, kNetworkAsserted},
    Rule{"Path", sip::HeaderId::kPath, kNetworkAsserted},
    Rule{"P-Asserted-Service", sip::HeaderId::kOther, kNetworkAsserted},
    Rule{"P-Private-Network-Indication", sip::HeaderId::kOther, kNetworkAsserted},
    // Charging and the network's own bookkeeping (RFC 3455 / RFC 7315, TS 24.229 5.2.6.3.3):
    // the P-CSCF removes them toward the UE and never takes them from it.
    Rule{"P-Charging-Vector", sip::HeaderId::kPChargingVector, kNetworkInternal},
    Rule{"P-Charging-Function-Addresses", sip::HeaderId::kPChargingFunctionAddresses, kNetworkInternal},
    Rule{"P-Visited-Network-ID", sip::HeaderId::kPVisitedNetworkId, kNetworkInternal},
    Rule{"P-Served-User", sip::HeaderId::kOther, kNetworkInternal},
    Rule{"P-Profile-Key", sip::HeaderId::kOther, kNetworkInternal},
    Rule{"P-User-Database", sip::HeaderId::kOther, kNetworkInternal},
    // TS 24.229 lets the P-CSCF keep the UE's PANI only next to one of its own
    // ("network-provided"); the edge knows no access network and sets none, so the UE's claim
    // about where it is (cell id, location used for charging and emergency) goes.
    Rule{"P-Access-Network-Info", sip::HeaderId::kPAccessNetworkInfo, kNetworkInternal},
    // Our peer-edge assertion (edge/peer_auth.h): checked and consumed by the receiving edge.
    Rule{"Imsguard-Peer-Auth", sip::HeaderId::kOther, kNetworkInternal},
};

constexpr size_t kCrossings = static_cast<size_t>(Crossing::kCount);

// The rule for a header field as parsed; kRules.size() when none.
size_t rule_of(sip::HeaderId id, std::string_view name) {
  for (size_t r = 0; r < kRules.size(); ++r) {
    if (kRules[r].id != sip::HeaderId::kOther ? kRules[r].id == id
                                              : id == sip::HeaderId::kOther && sip::iequals(kRules[r].name, name))
      return r;
  }
  return kRules.size();
}

}  // namespace

HeaderPolicyStats::HeaderPolicyStats(ops::CounterRegistry& metrics, ops::EventSink& sink)
    : removed(kCrossings * kRules.size(), nullptr), events(sink) {
  for (size_t c = 0; c < kCrossings; ++c)
    for (size_t r = 0; r < kRules.size(); ++r)
      if (kRules[r].removed_at & bit(static_cast<Crossing>(c)))
        removed[c * kRules.size() + r] = &metrics.get(
            "imsguard_header_policy_removed_total{crossing=\"" + std::string(crossing_name(static_cast<Crossing>(c))) +
                "\",header=\"" + std::string(kRules[r].name) + "\"}",
            "header lines removed at the edge's trust boundary");
}

std::string_view crossing_name(Crossing crossing) {
  switch (crossing) {
    case Crossing::kClientRequest: return "client_request";
    case Crossing::kRequestToClient: return "request_to_client";
    case Crossing::kUntrustedResponse: return "untrusted_response";
    case Crossing::kCoreResponse: return "core_response";
    case Crossing::kCount: break;
  }
  return "";
}

bool header_may_cross(Crossing crossing, std::string_view name) {
  size_t r = rule_of(sip::lookup_header(name), name);
  return r == kRules.size() || !(kRules[r].removed_at & bit(crossing));
}

size_t apply_header_policy(const HeaderPolicyStats& stats, Crossing crossing, const sip::Message& msg, sip::MessageWriter& w,
                           std::string_view source, std::string_view identity) {
  const size_t c = static_cast<size_t>(crossing);
  std::array<bool, kRules.size()> hit{};
  size_t removed = 0;
  for (const sip::HeaderField& f : msg.headers()) {
    size_t r = rule_of(f.id, f.name);
    if (r == kRules.size() || !(kRules[r].removed_at & bit(crossing))) continue;
    stats.removed[c * kRules.size() + r]->inc();
    ++removed;
    hit[r] = true;
  }
  if (removed == 0) return 0;
  std::string names;
  for (size_t r = 0; r < kRules.size(); ++r) {
    if (!hit[r]) continue;
    if (kRules[r].id != sip::HeaderId::kOther) w.remove_all(kRules[r].id);
    else w.remove_all(kRules[r].name);
    names += names.empty() ? "" : ", ";
    names += kRules[r].name;
  }
  std::string reason = "removed at " + std::string(crossing_name(crossing)) + ": " + names;
  // One event per source and episode (a client repeating the same forged headers, or a
  // spoofed stream of them, writes one line and a summary).
  ops::emit_episode(stats.events, {"header_policy", source, identity, "strip", reason}, std::string(source) + " " + std::string(crossing_name(crossing)));
  return removed;
}

}  // namespace imsguard::edge
