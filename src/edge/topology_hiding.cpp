#include "edge/topology_hiding.h"

#include "common/base64.h"
#include "edge/dialog_route.h"
#include "edge/edge_address.h"
#include "ops/counters.h"
#include "sip/lex.h"
#include "sip/via_received.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>

namespace imsguard::edge {

struct TopologyHidingCounters {
  explicit TopologyHidingCounters(ops::CounterRegistry& registry) : m(registry) {}
  ops::CounterRegistry& m;  // first: the members below are made from it
  ops::Counter& via = m.get("imsguard_topology_hidden_total{header=\"via\"}",
                            "internal hops hidden from clients (identity.topology_hiding), by header");
  ops::Counter& record_route = m.get("imsguard_topology_hidden_total{header=\"record_route\"}");
  ops::Counter& service_route = m.get("imsguard_topology_hidden_total{header=\"service_route\"}");
  ops::Counter& path = m.get("imsguard_topology_hidden_total{header=\"path\"}");
  ops::Counter& contact = m.get("imsguard_topology_hidden_total{header=\"contact\"}");
  ops::Counter& route = m.get("imsguard_topology_hidden_total{header=\"route\"}");
  ops::Counter& server = m.get("imsguard_topology_hidden_total{header=\"server\"}");
  ops::Counter& warning = m.get("imsguard_topology_hidden_total{header=\"warning\"}");
  ops::Counter& restored = m.get("imsguard_topology_restored_total",
                                 "sealed Vias, route entries and Contacts put back on their way to the core");
  ops::Counter& invalid = m.get("imsguard_topology_invalid_total",
                                "sealed Vias, route entries or Contacts that did not open (tampered, expired, another dialog's)");
};

namespace {

constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr size_t kHeadBytes = 1 + 5;  // purpose, expiry
constexpr uint64_t kMaxExpiry = (uint64_t{1} << 40) - 1;
// A sealed list longer than this is not ours (a Via stack of max_via hops fits well below).
constexpr size_t kMaxBlob = 16 * 1024;

// What a Via seal is bound to: the transaction's Call-ID and CSeq method, copied into every
// answer (the same binding as the Via flow token, edge/proxy.cpp).
std::string via_binding(const sip::Message& m) {
  auto cseq = m.cseq();
  return std::string(m.call_id()) + "\n" + std::string(cseq ? cseq->method : m.method_name());
}

int64_t via_lifetime_s(const config::Config& c) {
  return (int64_t{c.sip.timers.c_ms} + 2 * 64 * int64_t{c.sip.timers.t1_ms}) / 1000 + 60;
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      if (i > start) out.emplace_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

bool edge_entry(const sip::NameAddr& e) { return e.uri.param("igf") || e.uri.param("igd"); }

// warning-value = warn-code SP warn-agent SP warn-text (RFC 3261 20.43), comma-separated.
// Each value with its agent replaced by `agent`; nullopt when a value does not parse (the
// caller then removes the line: an unreadable Warning may name anything).
std::optional<std::vector<std::string>> rewrite_warnings(std::string_view line, std::string_view agent) {
  std::vector<std::string> out;
  size_t i = 0;
  auto skip = [&] {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == ',')) ++i;
  };
  for (skip(); i < line.size(); skip()) {
    if (i + 3 > line.size()) return std::nullopt;
    std::string_view code = line.substr(i, 3);
    if (!std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
    i += 3;
    if (i >= line.size() || line[i] != ' ') return std::nullopt;
    while (i < line.size() && line[i] == ' ') ++i;
    while (i < line.size() && line[i] != ' ') ++i;  // the agent, dropped
    while (i < line.size() && line[i] == ' ') ++i;
    if (i >= line.size() || line[i] != '"') return std::nullopt;
    size_t text = i++;
    for (; i < line.size() && line[i] != '"'; ++i)
      if (line[i] == '\\') ++i;
    if (i >= line.size()) return std::nullopt;
    ++i;
    // Free text, where some servers write addresses and URIs (Kamailio's "Noisy feedback":
    // req_src_ip, out_uri): a text that could hold a host, an address or a URI is emptied.
    std::string_view quoted = line.substr(text, i - text);
    if (quoted.find_first_of(".:@") != std::string_view::npos) quoted = "\"\"";
    out.push_back(std::string(code) + " " + std::string(agent) + " " + std::string(quoted));
  }
  return out;
}

}  // namespace

TopologyHiding::TopologyHiding(const config::Config& config, const FlowTokens& tokens, ops::CounterRegistry& metrics)
    : config_(config),
      // A key of its own, derived from the flow-token key in a separate domain: the seals
      // last as long as the tokens beside them (data_dir/flow.key survives a restart).
      key_(tokens.derive("imsguard topology hiding aes-256-gcm v1")),
      counters_(std::make_unique<TopologyHidingCounters>(metrics)) {}

TopologyHiding::~TopologyHiding() = default;

bool TopologyHiding::seals_vias(const sip::Message& response) {
  auto top = response.top_via();
  return top && top->param(kParam).has_value();
}

bool TopologyHiding::enabled() const { return config_.identity.topology_hiding && key_.has_value(); }

std::string TopologyHiding::seal(char purpose, std::string_view binding, int64_t expires_unix_s,
                                 std::string_view plain) const {
  if (!key_ || expires_unix_s < 0 || static_cast<uint64_t>(expires_unix_s) > kMaxExpiry) return {};
  std::vector<uint8_t> out(kHeadBytes + kNonceBytes + plain.size() + kTagBytes);
  out[0] = static_cast<uint8_t>(purpose);
  for (size_t i = 0; i < 5; ++i) out[1 + i] = static_cast<uint8_t>(static_cast<uint64_t>(expires_unix_s) >> (8 * (4 - i)));
  uint8_t* nonce = out.data() + kHeadBytes;
  if (RAND_bytes(nonce, kNonceBytes) != 1) return {};
  std::string aad(reinterpret_cast<const char*>(out.data()), kHeadBytes);
  aad += binding;
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (!ctx) return {};
  int len = 0;
  bool ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key_->data(), nonce) == 1 &&
            EVP_EncryptUpdate(ctx, nullptr, &len, reinterpret_cast<const uint8_t*>(aad.data()),
                              static_cast<int>(aad.size())) == 1 &&
            EVP_EncryptUpdate(ctx, out.data() + kHeadBytes + kNonceBytes, &len,
                              reinterpret_cast<const uint8_t*>(plain.data()), static_cast<int>(plain.size())) == 1 &&
            EVP_EncryptFinal_ex(ctx, out.data() + kHeadBytes + kNonceBytes + len, &len) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes,
                                out.data() + kHeadBytes + kNonceBytes + plain.size()) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) return {};
  return base64url_encode(out);
}

std::optional<std::string> TopologyHiding::open(char purpose, std::string_view binding, std::string_view blob,
                                                int64_t now_unix_s) const {
  if (!key_ || blob.size() > kMaxBlob) return std::nullopt;
  auto bytes = base64url_decode(blob);
  if (!bytes || bytes->size() < kHeadBytes + kNonceBytes + kTagBytes) return std::nullopt;
  const std::vector<uint8_t>& in = *bytes;
  if (in[0] != static_cast<uint8_t>(purpose)) return std::nullopt;
  int64_t expiry = 0;
  for (size_t i = 0; i < 5; ++i) expiry = (expiry << 8) | in[1 + i];
  if (expiry < now_unix_s) return std::nullopt;
  std::string aad(reinterpret_cast<const char*>(in.data()), kHeadBytes);
  aad += binding;
  size_t cipher_len = in.size() - kHeadBytes - kNonceBytes - kTagBytes;
  std::string plain(cipher_len, '\0');
  std::array<uint8_t, kTagBytes> tag{};
  std::memcpy(tag.data(), in.data() + in.size() - kTagBytes, kTagBytes);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (!ctx) return std::nullopt;
  int len = 0;
  bool ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key_->data(), in.data() + kHeadBytes) == 1 &&
            EVP_DecryptUpdate(ctx, nullptr, &len, reinterpret_cast<const uint8_t*>(aad.data()),
                              static_cast<int>(aad.size())) == 1 &&
            EVP_DecryptUpdate(ctx, reinterpret_cast<uint8_t*>(plain.data()), &len, in.data() + kHeadBytes + kNonceBytes,
                              static_cast<int>(cipher_len)) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1 &&
            EVP_DecryptFinal_ex(ctx, reinterpret_cast<uint8_t*>(plain.data()) + len, &len) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) return std::nullopt;
  return plain;
}

std::string TopologyHiding::sealed_route(char purpose, std::string_view binding, int64_t expires,
                                         const std::vector<std::string>& entries, const net::Flow& client,
                                         std::string_view user) const {
  std::string blob = seal(purpose, binding, expires, join(entries, "\n"));
  if (blob.empty()) return {};
  // Names the edge on the client's hop: a phone that sends to its first Route reaches us.
  std::string v = "<sip:" + std::string(user) + "@" + edge_hostport(config_, client);
  if (client.transport != config::Transport::kUdp) v += ";transport=" + std::string(config::transport_name(client.transport));
  return v + ";lr;" + std::string(kParam) + "=" + blob + ">";
}

void TopologyHiding::scrub_headers(sip::MessageWriter& w, const sip::Message& msg) const {
  // The core's software and version (Server), or an application server's (User-Agent):
  // what an attacker looks up known vulnerabilities by.
  if (msg.has(sip::HeaderId::kServer) || msg.has(sip::HeaderId::kUserAgent)) {
    w.remove_all(sip::HeaderId::kServer);
    w.remove_all(sip::HeaderId::kUserAgent);
    counters_->server.inc();
  }
  if (msg.has(sip::HeaderId::kWarning)) {
    // The warn-agent is the host of the element that wrote the Warning (RFC 3261 20.43).
    // A line that does not parse is dropped: it may name anything.
    std::vector<std::string> values;
    for (const auto& f : msg.headers())
      if (f.id == sip::HeaderId::kWarning)
        if (auto v = rewrite_warnings(f.value, config_.sip.domain)) values.insert(values.end(), v->begin(), v->end());
    if (values.empty()) w.remove_all(sip::HeaderId::kWarning);
    else w.replace_header(sip::HeaderId::kWarning, join(values, ", "));
    counters_->warning.inc();
  }
}

void TopologyHiding::hide_contact(sip::MessageWriter& w, const sip::Message& msg, const net::Flow& client,
                                  int64_t now) const {
  if (!msg.has(sip::HeaderId::kContact)) return;
  counters_->contact.inc();
  // One Contact (the remote target, RFC 3261 12.1): anything else (a list, '*', a Contact
  // that does not parse) could name anything and targets no dialog, so it goes.
  auto contacts = msg.contacts();
  if (!contacts || contacts->size() != 1 || contacts->front().wildcard) {
    w.remove_all(sip::HeaderId::kContact);
    return;
  }
  const sip::NameAddr& c = contacts->front();
  std::string blob = seal('c', msg.call_id(), now + DialogRoutes::kLifetimeS, c.uri.raw);
  if (blob.empty()) {
    w.remove_all(sip::HeaderId::kContact);
    return;
  }
  // The edge on the client's hop, as in its Record-Route: in-dialog requests reach it. The
  // header parameters (expires, feature tags such as isfocus) stay, the display name goes.
  std::string v = "<sip:edge@" + edge_hostport(config_, client);
  if (client.transport != config::Transport::kUdp) v += ";transport=" + std::string(config::transport_name(client.transport));
  v += ";" + std::string(kParam) + "=" + blob + ">";
  v += c.params;
  w.replace_header(sip::HeaderId::kContact, v);
}

bool TopologyHiding::request_to_client(sip::MessageWriter& w, const sip::Message& msg, const net::Flow& client,
                                       std::string& our_via) const {
  if (!enabled()) return true;
  int64_t now = unix_now();
  // Every Via below ours, the top one as the writer annotated it (received/rport).
  std::string stack;
  bool first = true;
  for (const auto& f : msg.headers()) {
    if (f.id != sip::HeaderId::kVia) continue;
    std::string line;
    if (!first || !sip::append_received_via_line(line, f.value, msg.received_from())) line.assign(f.value);
    first = false;
    if (!stack.empty()) stack += ", ";
    stack += line;
  }
  if (!stack.empty()) {
    std::string blob = seal('v', via_binding(msg), now + via_lifetime_s(config_), stack);
    if (blob.empty()) return false;
    w.remove_all(sip::HeaderId::kVia);
    our_via += ";" + std::string(kParam) + "=" + blob;
    counters_->via.inc();
  }
  // The route set the network recorded: the client's own route set is then the edge alone
  // (UAS: Record-Route taken in order, RFC 3261 12.1.1).
  if (msg.has(sip::HeaderId::kRecordRoute)) {
    std::vector<std::string> entries;
    if (auto rrs = msg.record_routes())
      for (const auto& r : *rrs) entries.emplace_back(r.raw);
    std::string sealed = entries.empty() ? std::string()
                                         : sealed_route('r', msg.call_id(), now + DialogRoutes::kLifetimeS, entries,
                                                        client, "edge");
    if (sealed.empty()) w.remove_all(sip::HeaderId::kRecordRoute);
    else w.replace_header(sip::HeaderId::kRecordRoute, sealed);
    counters_->record_route.inc();
  }
  // A UAS ignores Route; what remains after ours names hops of the network.
  if (msg.count(sip::HeaderId::kRoute) > 0) {
    w.remove_all(sip::HeaderId::kRoute);
    counters_->route.inc();
  }
  hide_contact(w, msg, client, now);
  scrub_headers(w, msg);
  return true;
}

void TopologyHiding::response_to_client(sip::MessageWriter& w, const sip::Message& msg, const net::Flow& client) const {
  if (!enabled()) return;
  int64_t now = unix_now();
  if (msg.has(sip::HeaderId::kRecordRoute)) {
    // The edge's own entries are at the bottom (it record-routed the request first); what
    // the network added above them becomes one sealed entry, in the order the caller's
    // route set will use it (the Record-Route reversed, RFC 3261 12.1.2).
    std::vector<std::string> hidden, own;
    if (auto rrs = msg.record_routes()) {
      size_t keep = rrs->size();
      while (keep > 0 && edge_entry((*rrs)[keep - 1])) --keep;
      for (size_t i = keep; i-- > 0;) hidden.emplace_back((*rrs)[i].raw);
      for (size_t i = keep; i < rrs->size(); ++i) own.emplace_back((*rrs)[i].raw);
    }
    if (!hidden.empty()) {
      std::string sealed = sealed_route('r', msg.call_id(), now + DialogRoutes::kLifetimeS, hidden, client, "edge");
      if (!sealed.empty()) own.insert(own.begin(), sealed);
      counters_->record_route.inc();
    }
    if (own.empty()) w.remove_all(sip::HeaderId::kRecordRoute);
    else w.replace_header(sip::HeaderId::kRecordRoute, join(own, ", "));
  }
  if (msg.has(sip::HeaderId::kServiceRoute)) {
    // The UE puts it after its outbound proxy (the edge) in every request it originates
    // (RFC 3608): sealed for as long as the registration can last.
    std::vector<std::string> entries;
    if (auto srs = msg.name_addrs(sip::HeaderId::kServiceRoute))
      for (const auto& r : *srs) entries.emplace_back(r.raw);
    std::string sealed =
        entries.empty() ? std::string()
                        : sealed_route('s', {}, now + int64_t{config_.registrar.max_expires_s} + 300, entries, client, "orig");
    if (sealed.empty()) w.remove_all(sip::HeaderId::kServiceRoute);
    else w.replace_header(sip::HeaderId::kServiceRoute, sealed);
    counters_->service_route.inc();
  }
  // The remote target of a dialog (a 1xx/2xx). A REGISTER's answer lists the client's own
  // bindings; a 3xx lists targets to try outside the dialog.
  if (auto cseq = msg.cseq(); msg.status_code() > 100 && msg.status_code() < 300 && cseq && cseq->method != "REGISTER")
    hide_contact(w, msg, client, now);
  if (msg.has(sip::HeaderId::kPath)) {
    // The UE needs no Path (RFC 3327 5): only the edge's own entry is left, as it was.
    std::vector<std::string> own;
    size_t all = 0;
    if (auto paths = msg.name_addrs(sip::HeaderId::kPath)) {
      all = paths->size();
      for (const auto& p : *paths)
        if (edge_entry(p)) own.emplace_back(p.raw);
    }
    if (own.size() != all || all == 0) {
      if (own.empty()) w.remove_all(sip::HeaderId::kPath);
      else w.replace_header(sip::HeaderId::kPath, join(own, ", "));
      counters_->path.inc();
    }
  }
  scrub_headers(w, msg);
}

void TopologyHiding::response_to_core(sip::MessageWriter& w, const sip::Message& msg, const sip::Via& top) const {
  int64_t now = unix_now();
  if (auto blob = top.param(kParam)) {
    if (auto stack = open('v', via_binding(msg), *blob, now)) {
      w.prepend_via(*stack);
      counters_->restored.inc();
    } else {
      counters_->invalid.inc();
    }
  }
  // A callee's answer echoes the Record-Route it got (sealed): the core gets its own back.
  if (!msg.has(sip::HeaderId::kRecordRoute)) return;
  auto rrs = msg.record_routes();
  if (!rrs || std::none_of(rrs->begin(), rrs->end(), [](const sip::NameAddr& e) { return e.uri.param(kParam).has_value(); }))
    return;
  std::vector<std::string> out;
  for (const auto& e : *rrs) {
    if (!e.uri.param(kParam)) {
      out.emplace_back(e.raw);
      continue;
    }
    bool forged = false;
    auto entries = expand(e, msg.call_id(), forged);
    out.insert(out.end(), entries.begin(), entries.end());
  }
  w.replace_header(sip::HeaderId::kRecordRoute, join(out, ", "));
}

std::vector<std::string> TopologyHiding::expand(const sip::NameAddr& entry, std::string_view call_id,
                                                bool& forged) const {
  auto blob = entry.uri.param(kParam);
  if (!blob) return {};
  int64_t now = unix_now();
  std::optional<std::string> plain = open('r', call_id, *blob, now);
  if (!plain) plain = open('s', {}, *blob, now);
  if (!plain) {
    forged = true;
    counters_->invalid.inc();
    return {};
  }
  counters_->restored.inc();
  return split(*plain, '\n');
}

TopologyHiding::Routes TopologyHiding::restore_routes(const std::vector<sip::NameAddr>& routes, size_t first,
                                                      std::string_view call_id) const {
  Routes out;
  // The common case (no Route, or only the edge's own as outbound proxy) costs no string.
  bool sealed = std::any_of(routes.begin() + static_cast<std::ptrdiff_t>(std::min(first, routes.size())), routes.end(),
                            [](const sip::NameAddr& r) { return r.uri.param(kParam).has_value(); });
  if (!sealed && first == 0) return out;
  std::vector<std::string> entries;
  for (size_t i = first; i < routes.size(); ++i) {
    if (!routes[i].uri.param(kParam)) {
      entries.emplace_back(routes[i].raw);
      continue;
    }
    out.changed = true;
    auto expanded = expand(routes[i], call_id, out.forged);
    entries.insert(entries.end(), expanded.begin(), expanded.end());
  }
  out.value = join(entries, ", ");
  return out;
}

TopologyHiding::Target TopologyHiding::restore_target(std::string_view request_uri, std::string_view call_id) const {
  Target out;
  // The common case (no seal) costs no parse.
  if (request_uri.find(kParam) == std::string_view::npos) return out;
  auto uri = sip::parse_uri(request_uri);
  if (!uri) return out;
  auto blob = uri->param(kParam);
  if (!blob) return out;
  if (auto plain = open('c', call_id, *blob, unix_now())) {
    out.uri = std::move(*plain);
    counters_->restored.inc();
  } else {
    out.forged = true;
    counters_->invalid.inc();
  }
  return out;
}

size_t hide_service_answer(const ServiceAnswerCounters& counters, const config::Config& config, sip::MessageWriter& w,
                           const sip::Message& answer, std::string_view service_uri) {
  if (!config.identity.topology_hiding) return 0;
  size_t changes = 0;
  if (answer.has(sip::HeaderId::kServer) || answer.has(sip::HeaderId::kUserAgent)) {
    w.remove_all(sip::HeaderId::kServer);
    w.remove_all(sip::HeaderId::kUserAgent);
    counters.server.inc();
    ++changes;
  }
  if (answer.has(sip::HeaderId::kWarning)) {
    std::vector<std::string> values;
    for (const auto& f : answer.headers())
      if (f.id == sip::HeaderId::kWarning)
        if (auto v = rewrite_warnings(f.value, config.sip.domain)) values.insert(values.end(), v->begin(), v->end());
    if (values.empty()) w.remove_all(sip::HeaderId::kWarning);
    else w.replace_header(sip::HeaderId::kWarning, join(values, ", "));
    counters.warning.inc();
    ++changes;
  }
  if (answer.has(sip::HeaderId::kRecordRoute)) {
    w.remove_all(sip::HeaderId::kRecordRoute);
    counters.record_route.inc();
    ++changes;
  }
  if (answer.has(sip::HeaderId::kContact)) {
    // The service's URI, with the header parameters the box gave (expires, +sip.instance ...).
    auto contacts = answer.contacts();
    bool foreign = !contacts || contacts->size() != 1;
    if (!foreign) {
      std::string_view uri = contacts->front().uri.raw;
      foreign = uri.substr(0, uri.find(';')) != service_uri;
    }
    if (foreign) {
      std::string params = contacts && contacts->size() == 1 ? std::string(contacts->front().params) : std::string();
      w.replace_header(sip::HeaderId::kContact, "<" + std::string(service_uri) + ">" + params);
      counters.contact.inc();
      ++changes;
    }
  }
  return changes;
}

}  // namespace imsguard::edge
