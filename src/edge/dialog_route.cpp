#include "edge/dialog_route.h"

#include "edge/edge_address.h"
#include "net/address_text.h"
#include "sip/uri.h"

namespace imsguard::edge {

namespace {

constexpr std::string_view kDialogParam = "igd";

}  // namespace

std::string DialogRoutes::encode(const DialogFlows& flows, std::string_view call_id) const {
  // Bound to the Call-ID: a token copied from one dialog routes nothing in another.
  const net::Flow both[] = {flows.caller, flows.callee};
  return tokens_.encode(both, FlowPurpose::kDialog, call_id, unix_now() + kLifetimeS);
}

std::optional<DialogFlows> DialogRoutes::decode(std::string_view token, std::string_view call_id,
                                                int64_t now_unix_s) const {
  auto flows = tokens_.decode_flows(token, FlowPurpose::kDialog, call_id, now_unix_s);
  if (!flows || flows->count != 2) return std::nullopt;
  return DialogFlows{flows->flows[0], flows->flows[1]};
}

std::vector<std::string> DialogRoutes::record_routes(const DialogFlows& flows, std::string_view call_id) const {
  std::string token = encode(flows, call_id);
  auto entry = [&](const net::Flow& hop) {
    std::string v = "<sip:edge@" + edge_hostport(config_, hop);
    if (hop.transport != config::Transport::kUdp) v += ";transport=" + std::string(config::transport_name(hop.transport));
    return v + ";lr;" + std::string(kDialogParam) + "=" + token + ">";
  };
  std::vector<std::string> out;
  out.push_back(entry(flows.caller));  // bottom: the caller's side
  std::string callee_side = entry(flows.callee);
  if (callee_side != out.front()) out.push_back(std::move(callee_side));  // another transport or interface
  return out;
}

bool DialogRoutes::names_listener(const sip::Uri& uri, const net::Flow& arrival) const {
  auto address = net::parse_ip_literal(uri.host);
  if (!address) return false;
  for (const auto& l : config_.sip.listen) {
    uint16_t port = uri.port ? uri.port : (uri.scheme_id == sip::UriScheme::kSips ? 5061 : 5060);
    if (port != l.port) continue;
    std::error_code ec;
    auto listen = asio::ip::make_address(l.address, ec);
    if (ec) continue;
    if (listen == *address) return true;
    // A wildcard listener answers at many addresses; the one the request arrived at is ours.
    if (listen.is_unspecified() && !arrival.local_address.is_unspecified() && arrival.local_address == *address)
      return true;
  }
  return false;
}

DialogRoutes::Popped DialogRoutes::pop_own(const std::vector<sip::NameAddr>& routes, std::string_view call_id,
                                           const net::Flow& arrival) const {
  Popped out;
  for (const auto& r : routes) {
    // A sealed route (edge/topology_hiding.h) names the edge but stands for the hops behind it.
    if (r.uri.param("igh")) break;
    auto token = r.uri.param(kDialogParam);
    if (!token && !names_listener(r.uri, arrival)) break;
    ++out.own;
    if (!token) continue;
    if (auto flows = decode(*token, call_id)) out.dialog = flows;
    else out.forged = true;
  }
  return out;
}

bool DialogRoutes::same_flow(const net::Flow& a, const net::Flow& b) {
  return a.transport == b.transport && a.address == b.address && a.port == b.port && a.connection_id == b.connection_id;
}

std::optional<net::Flow> DialogRoutes::other_end(const DialogFlows& flows, const net::Flow& from) {
  if (same_flow(from, flows.caller)) return flows.callee;
  if (same_flow(from, flows.callee)) return flows.caller;
  return std::nullopt;
}

}  // namespace imsguard::edge
