#include "ops/admin_api.h"

#include "ops/exposition.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <charconv>

namespace imsguard::ops {

namespace {

using nlohmann::json;

constexpr std::string_view kApi = "/api/v1/";

std::string dump(const json& j) { return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n"; }

AdminResponse json_response(int status, const json& body) {
  AdminResponse r;
  r.status = status;
  r.body = dump(body);
  return r;
}

json binding_json(const AdminBinding& b) {
  return {{"aor", b.aor},           {"contact", b.contact}, {"impi", b.impi},
          {"transport", b.transport}, {"source", b.source},   {"expires_in_s", b.expires_in_s}};
}

AdminResponse status_error(const AdminStatus& s) { return admin_error(s.status, s.message); }

}  // namespace

bool constant_time_equal(std::string_view a, std::string_view b) {
  // Walk the expected length whatever the offered one, and fold every difference in.
  volatile unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < b.size(); ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    diff = static_cast<unsigned char>(diff | (x ^ static_cast<unsigned char>(b[i])));
  }
  return diff == 0;
}

AdminResponse admin_error(int status, std::string_view message) {
  return json_response(status, json{{"error", std::string(message)}});
}

AdminRouter::AdminRouter(std::string token, AdminBackend& backend, const CounterRegistry& counters)
    : token_(std::move(token)), backend_(backend), counters_(counters) {}

bool AdminRouter::authorized(std::string_view authorization) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (token_.empty() || authorization.size() <= kBearer.size()) return false;
  // The scheme name is case-insensitive (RFC 7235); the token is not.
  for (size_t i = 0; i < kBearer.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != std::tolower(static_cast<unsigned char>(kBearer[i])))
      return false;
  return constant_time_equal(authorization.substr(kBearer.size()), token_);
}

AdminResponse AdminRouter::handle(const AdminRequest& r) {
  if (!authorized(r.authorization)) {
    auto resp = admin_error(401, "missing or wrong bearer token (admin.token)");
    resp.headers["WWW-Authenticate"] = "Bearer realm=\"imsguard-admin\"";
    return resp;
  }
  if (r.path == "/metrics") {
    if (r.method != "GET") return admin_error(405, "GET only");
    AdminResponse resp;
    resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
    resp.body = prometheus_text(counters_);
    return resp;
  }
  if (r.path.rfind(kApi, 0) != 0) return admin_error(404, "no such endpoint");
  std::string_view rest = std::string_view(r.path).substr(kApi.size());
  if (rest == "bans") return bans(r);
  if (rest == "registrations") return registrations(r);
  if (rest == "lockouts") return lockouts(r);
  if (rest == "config/effective") {
    if (r.method != "GET") return admin_error(405, "GET only");
    std::string yaml;
    auto s = backend_.effective_config(yaml);
    if (!s.ok()) return status_error(s);
    AdminResponse resp;
    resp.content_type = "application/yaml";
    resp.body = std::move(yaml);
    return resp;
  }
  constexpr std::string_view kSubscribers = "subscribers/";
  if (rest.rfind(kSubscribers, 0) == 0 && rest.size() > kSubscribers.size()) {
    if (r.method != "GET") return admin_error(405, "GET only");
    return subscriber(rest.substr(kSubscribers.size()));
  }
  return admin_error(404, "no such endpoint");
}

AdminResponse AdminRouter::bans(const AdminRequest& r) {
  if (r.method == "GET") {
    json list = json::array();
    for (const auto& b : backend_.list_bans())
      list.push_back({{"prefix", b.prefix},
                      {"port", b.port},
                      {"reason", b.reason},
                      {"by", b.by},
                      {"remaining_s", b.remaining_s},
                      {"hits", b.hits},
                      {"automatic", b.automatic}});
    json locks = json::array();
    for (const auto& l : backend_.list_lockouts())
      locks.push_back({{"kind", l.kind}, {"subject", l.subject}, {"reason", l.reason}, {"remaining_s", l.remaining_s}});
    return json_response(200, json{{"bans", list}, {"lockouts", locks}});
  }
  if (r.method == "POST") {
    json body = json::parse(r.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return admin_error(400, "body must be a JSON object");
    if (!body.contains("prefix") || !body["prefix"].is_string())
      return admin_error(400, "\"prefix\" (string) is required");
    uint32_t ttl = 0;  // 0: the configured default (guards.banlist.default_ttl_s)
    if (body.contains("ttl_s")) {
      const auto& t = body["ttl_s"];
      if (!t.is_number_unsigned() || t.get<uint64_t>() == 0 || t.get<uint64_t>() > 365ull * 86400)
        return admin_error(400, "\"ttl_s\" must be a whole number of seconds from 1 to 31536000");
      ttl = static_cast<uint32_t>(t.get<uint64_t>());
    }
    std::string reason = "banned by an operator";
    if (body.contains("reason")) {
      if (!body["reason"].is_string()) return admin_error(400, "\"reason\" must be a string");
      reason = body["reason"].get<std::string>().substr(0, 200);
    }
    auto prefix = body["prefix"].get<std::string>();
    auto s = backend_.add_ban(prefix, ttl, reason);
    if (!s.ok()) return status_error(s);
    return json_response(201, json{{"banned", prefix}, {"message", s.message}});
  }
  if (r.method == "DELETE") {
    auto it = r.query.find("prefix");
    if (it == r.query.end() || it->second.empty()) return admin_error(400, "query parameter \"prefix\" is required");
    uint16_t port = 0;
    if (auto p = r.query.find("port"); p != r.query.end()) {
      const auto& text = p->second;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
      if (ec != std::errc() || ptr != text.data() + text.size()) return admin_error(400, "\"port\" must be 0..65535");
    }
    auto s = backend_.remove_ban(it->second, port);
    if (!s.ok()) return status_error(s);
    return json_response(200, json{{"removed", it->second}, {"port", port}});
  }
  return admin_error(405, "GET, POST or DELETE");
}

AdminResponse AdminRouter::registrations(const AdminRequest& r) {
  auto aor = r.query.find("aor");
  if (r.method == "DELETE") {
    if (aor == r.query.end() || aor->second.empty()) return admin_error(400, "query parameter \"aor\" is required");
    auto contact = r.query.find("contact");
    size_t removed = 0;
    auto s = backend_.remove_registrations(aor->second, contact == r.query.end() ? std::string() : contact->second, removed);
    if (!s.ok()) return status_error(s);
    return json_response(200, json{{"removed", removed}, {"aor", aor->second}});
  }
  if (r.method != "GET") return admin_error(405, "GET or DELETE");
  std::vector<AdminBinding> list;
  auto s = aor == r.query.end() ? backend_.list_registrations(list) : backend_.registrations_of(aor->second, list);
  if (!s.ok()) return status_error(s);
  json out = json::array();
  for (const auto& b : list) out.push_back(binding_json(b));
  return json_response(200, json{{"registrations", out}});
}

AdminResponse AdminRouter::lockouts(const AdminRequest& r) {
  if (r.method == "GET") {
    json locks = json::array();
    for (const auto& l : backend_.list_lockouts())
      locks.push_back({{"kind", l.kind}, {"subject", l.subject}, {"reason", l.reason}, {"remaining_s", l.remaining_s}});
    return json_response(200, json{{"lockouts", locks}});
  }
  if (r.method != "DELETE") return admin_error(405, "GET or DELETE");
  auto subject = r.query.find("subject");
  if (subject == r.query.end() || subject->second.empty())
    return admin_error(400, "query parameter \"subject\" (an IMPI or an address) is required");
  AdminLockout lifted;
  auto s = backend_.unlock(subject->second, lifted);
  if (!s.ok()) return status_error(s);
  return json_response(200, json{{"unlocked", lifted.subject}, {"kind", lifted.kind}, {"reason", lifted.reason}});
}

AdminResponse AdminRouter::subscriber(std::string_view impi) {
  AdminSubscriber sub;
  auto s = backend_.subscriber(impi, sub);
  if (!s.ok()) return status_error(s);
  json regs = json::array();
  for (const auto& b : sub.registrations) regs.push_back(binding_json(b));
  json out{{"impi", sub.impi},
           {"impus", sub.impus},
           {"realm", sub.realm},
           {"scheme", sub.scheme},
           {"barred", sub.barred},
           {"services", sub.services},
           {"registrations", regs},
           {"lockout_remaining_s", sub.lockout_remaining_s}};
  if (sub.scheme == "digest") out["digest_algorithms"] = sub.digest_algorithms;
  return json_response(200, out);
}

}  // namespace imsguard::ops
