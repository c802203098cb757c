#include "edge/dialog_route.h"

#include "net/address_text.h"

#include "crypto/ct.h"
#include "crypto/hex.h"
#include "sip/uri.h"

#include "crypto/hmac.h"

#include <charconv>

namespace imsguard::edge {

namespace {

constexpr std::string_view kDialogParam = "igd";

// "udp/127.0.0.1/5062/0/5060": transport, address, port, connection id, local port.
std::string flow_text(const net::Flow& f) {
  return std::string(config::transport_name(f.transport)) + "/" + f.address.to_string() + "/" + std::to_string(f.port) +
         "/" + std::to_string(f.connection_id) + "/" + std::to_string(f.local_port);
}

bool number(std::string_view digits, uint64_t max, uint64_t& out) {
  auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
  return err == std::errc() && end == digits.data() + digits.size() && out <= max;
}

std::optional<net::Flow> parse_flow_text(std::string_view text) {
  std::string_view parts[5];
  size_t n = 0, start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '/') {
      if (n == 5) return std::nullopt;
      parts[n++] = text.substr(start, i - start);
      start = i + 1;
    }
  }
  if (n != 5) return std::nullopt;
  net::Flow f;
  if (parts[0] == "udp") f.transport = config::Transport::kUdp;
  else if (parts[0] == "tcp") f.transport = config::Transport::kTcp;
  else if (parts[0] == "tls") f.transport = config::Transport::kTls;
  else return std::nullopt;
  std::error_code ec;
  f.address = asio::ip::make_address(std::string(parts[1]), ec);
  if (ec) return std::nullopt;
  uint64_t port = 0, conn = 0, local = 0;
  if (!number(parts[2], 65535, port) || !number(parts[3], UINT64_MAX, conn) || !number(parts[4], 65535, local))
    return std::nullopt;
  f.port = static_cast<uint16_t>(port);
  f.connection_id = conn;
  f.local_port = static_cast<uint16_t>(local);
  return f;
}

}  // namespace

std::string DialogRoutes::mac(std::string_view caller, std::string_view callee, std::string_view call_id) const {
  // Bound to the Call-ID: a token copied from one dialog routes nothing in another.
  std::string input;
  input.reserve(caller.size() + callee.size() + call_id.size() + 8);
  input.append("dialog|").append(caller).append("|").append(callee).append("|").append(call_id);
  auto out = crypto::hmac_sha256(key_, input);
  if (!out) return {};  // no MAC: encode makes no token, decode accepts nothing
  return crypto::to_hex(std::span<const uint8_t>(out->data(), 12));
}

std::string DialogRoutes::encode(const DialogFlows& flows, std::string_view call_id) const {
  std::string a = flow_text(flows.caller), b = flow_text(flows.callee);
  std::string tag = mac(a, b, call_id);
  if (tag.empty()) return {};  // no MAC, no token: the dialog is not record-routed through it
  return crypto::to_hex(a) + "." + crypto::to_hex(b) + "." + tag;
}

std::optional<DialogFlows> DialogRoutes::decode(std::string_view token, std::string_view call_id) const {
  if (token.size() > 600) return std::nullopt;
  size_t d1 = token.find('.');
  size_t d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos) return std::nullopt;
  auto a = crypto::from_hex(token.substr(0, d1));
  auto b = crypto::from_hex(token.substr(d1 + 1, d2 - d1 - 1));
  if (!a || !b) return std::nullopt;
  std::string ta(a->begin(), a->end()), tb(b->begin(), b->end());
  std::string expected = mac(ta, tb, call_id);
  if (expected.empty() || !crypto::constant_time_equal(expected, token.substr(d2 + 1))) return std::nullopt;
  auto caller = parse_flow_text(ta);
  auto callee = parse_flow_text(tb);
  if (!caller || !callee) return std::nullopt;
  return DialogFlows{*caller, *callee};
}

std::vector<std::string> DialogRoutes::record_routes(const DialogFlows& flows, std::string_view call_id) const {
  std::string token = encode(flows, call_id);
  auto entry = [&](config::Transport transport) {
    std::string host = "127.0.0.1";
    uint16_t port = 5060;
    for (const auto& l : config_.sip.listen) {
      if (l.transport == transport) {
        host = l.address;
        port = l.port;
        break;
      }
    }
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    std::string v = "<sip:edge@" + host + ":" + std::to_string(port);
    if (transport != config::Transport::kUdp) v += ";transport=" + std::string(config::transport_name(transport));
    return v + ";lr;" + std::string(kDialogParam) + "=" + token + ">";
  };
  std::vector<std::string> out;
  out.push_back(entry(flows.caller.transport));  // bottom: the caller's side
  if (flows.callee.transport != flows.caller.transport) out.push_back(entry(flows.callee.transport));
  return out;
}

bool DialogRoutes::names_listener(const sip::Uri& uri) const {
  auto address = net::parse_ip_literal(uri.host);
  if (!address) return false;
  for (const auto& l : config_.sip.listen) {
    uint16_t port = uri.port ? uri.port : (uri.scheme_id == sip::UriScheme::kSips ? 5061 : 5060);
    if (port != l.port) continue;
    std::error_code ec;
    auto listen = asio::ip::make_address(l.address, ec);
    if (ec) continue;
    if (listen == *address || listen.is_unspecified()) return true;
  }
  return false;
}

DialogRoutes::Popped DialogRoutes::pop_own(const std::vector<sip::NameAddr>& routes, std::string_view call_id) const {
  Popped out;
  for (const auto& r : routes) {
    auto token = r.uri.param(kDialogParam);
    if (!token && !names_listener(r.uri)) break;
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
