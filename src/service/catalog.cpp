#include "service/catalog.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <strings.h>

#include "sip/header_id.h"

namespace imsguard::service {
namespace {

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// The long names of what a service answer always carries; compact forms resolve to these.
constexpr std::string_view kDialogHeaders[] = {"Via",          "From",        "To",
                                               "Call-ID",      "CSeq",        "Record-Route",
                                               "Max-Forwards", "Content-Length"};

// Headers only the core sets toward the UE (identity is governed by may_assert; routing
// and authentication headers are the edge's), so configuring them is a mistake.
constexpr std::string_view kCoreOwned[] = {"P-Asserted-Identity", "P-Preferred-Identity", "Identity",
                                           "Route",               "Path",                 "Service-Route",
                                           "P-Associated-URI",    "WWW-Authenticate",     "Proxy-Authenticate",
                                           "Authentication-Info", "Security-Server"};

std::string canonical(std::string_view name) {
  auto id = sip::lookup_header(name);
  if (id != sip::HeaderId::kOther) {
    auto n = sip::header_name(id);
    if (!n.empty()) return std::string(n);
  }
  return std::string(name);
}

bool same_header(std::string_view a, std::string_view b) { return iequal(canonical(a), canonical(b)); }

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("-.!%*_+`'~").find(c) != std::string_view::npos;
  });
}

bool glob(std::string_view p, std::string_view s) {
  if (p.empty()) return s.empty();
  if (p[0] == '*') {
    for (size_t i = 0;; ++i) {
      if (glob(p.substr(1), s.substr(i))) return true;
      if (i == s.size() || s[i] == '@' || s[i] == ':' || s[i] == ';') return false;
    }
  }
  return !s.empty() && p[0] == s[0] && glob(p.substr(1), s.substr(1));
}

const std::vector<std::string>& default_allowed_headers() {
  static const std::vector<std::string> h{"Content-Type", "Contact", "Allow", "Supported", "Server"};
  return h;
}

}  // namespace

std::string service_uri(std::string_view name, std::string_view domain) {
  return "sip:" + std::string(name) + "@services." + std::string(domain);
}

bool identity_matches(std::string_view pattern, std::string_view uri) {
  // Patterns are short config strings; bound the backtracking anyway.
  if (pattern.size() > 256 || uri.size() > 1024) return false;
  return glob(pattern, uri);
}

bool is_dialog_header(std::string_view name) {
  return std::any_of(std::begin(kDialogHeaders), std::end(kDialogHeaders),
                     [&](std::string_view d) { return same_header(d, name); });
}

ServiceCatalog::ServiceCatalog(const config::ServiceBox& box, std::string_view domain) {
  for (const auto& s : box.services) {
    ServiceEntry e;
    e.name = s.name;
    e.method = s.method;
    e.identity = service_uri(s.name, domain);
    e.may_assert = s.may_assert ? *s.may_assert : std::vector<std::string>{e.identity};
    e.allowed_headers = s.allowed_headers ? *s.allowed_headers : default_allowed_headers();
    entries_.push_back(std::move(e));
  }
}

std::string_view ServiceEntry::sip_method() const {
  return method == "GET" ? std::string_view("MESSAGE") : std::string_view(method);
}

bool ServiceEntry::may_assert_identity(std::string_view uri) const {
  return std::any_of(may_assert.begin(), may_assert.end(),
                     [&](const std::string& p) { return identity_matches(p, uri); });
}

bool ServiceEntry::may_set_header(std::string_view header) const {
  return is_dialog_header(header) || std::any_of(allowed_headers.begin(), allowed_headers.end(),
                                                 [&](const std::string& h) { return same_header(h, header); });
}

const ServiceEntry* ServiceCatalog::find(std::string_view name) const {
  for (const auto& e : entries_)
    if (e.name == name) return &e;
  return nullptr;
}

Status ServiceCatalog::unknown_services(const std::vector<std::string>& profile) const {
  std::string out;
  for (const auto& name : profile) {
    if (find(name)) continue;
    out += out.empty() ? "unknown service(s) in profile: " : ", ";
    out += "'" + name + "'";
  }
  if (out.empty()) return {};
  return invalid_argument(std::move(out));
}

Status ServiceCatalog::validate() const {
  std::set<std::string> seen;
  for (const auto& e : entries_) {
    if (e.name.empty()) return invalid_argument("servicebox.services: a service without a name");
    for (char c : e.name)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'))
        return invalid_argument("servicebox.services: name '" + e.name + "' must be letters, digits, '-' or '_'");
    if (!seen.insert(e.name).second) return invalid_argument("servicebox.services: '" + e.name + "' listed twice");
    if (e.method != "INVITE" && e.method != "MESSAGE" && e.method != "OPTIONS" && e.method != "GET")
      return invalid_argument("servicebox.services." + e.name + ": method '" + e.method +
                              "' is not INVITE, MESSAGE, OPTIONS or GET");
    for (const auto& p : e.may_assert) {
      bool scheme = p.rfind("sip:", 0) == 0 || p.rfind("sips:", 0) == 0 || p.rfind("tel:", 0) == 0;
      bool clean = std::none_of(p.begin(), p.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '"';
      });
      if (!scheme || !clean || p.size() > 256)
        return invalid_argument("servicebox.services." + e.name + ".may_assert: '" + p +
                                "' is not a sip:, sips: or tel: URI pattern (no spaces or <>, '*' as wildcard)");
    }
    for (const auto& h : e.allowed_headers) {
      if (!is_token(h))
        return invalid_argument("servicebox.services." + e.name + ".allowed_headers: '" + h + "' is not a header name");
      bool owned = std::any_of(std::begin(kCoreOwned), std::end(kCoreOwned),
                               [&](std::string_view o) { return same_header(o, h); });
      if (owned)
        return invalid_argument("servicebox.services." + e.name + ".allowed_headers: '" + h +
                                "' is set by the core only (identities a service may assert go in may_assert)");
    }
  }
  return {};
}

}  // namespace imsguard::service
