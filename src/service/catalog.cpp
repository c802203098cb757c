#include "service/catalog.h"

#include <cctype>
#include <set>

namespace imsguard::service {

std::string service_uri(std::string_view name, std::string_view domain) {
  return "sip:" + std::string(name) + "@services." + std::string(domain);
}

ServiceCatalog::ServiceCatalog(const config::ServiceBox& box, std::string_view domain) {
  for (const auto& s : box.services) {
    entries_.push_back(ServiceEntry{s.name, s.method, service_uri(s.name, domain),
                                    {"Content-Type", "Content-Length", "Contact", "Allow", "Supported", "Server"}});
  }
}

std::string_view ServiceEntry::sip_method() const {
  return method == "GET" ? std::string_view("MESSAGE") : std::string_view(method);
}

const ServiceEntry* ServiceCatalog::find(std::string_view name) const {
  for (const auto& e : entries_)
    if (e.name == name) return &e;
  return nullptr;
}

std::string ServiceCatalog::unknown_services(const std::vector<std::string>& profile) const {
  std::string out;
  for (const auto& name : profile) {
    if (find(name)) continue;
    out += out.empty() ? "unknown service(s) in profile: " : ", ";
    out += "'" + name + "'";
  }
  return out;
}

std::string ServiceCatalog::validate() const {
  std::set<std::string> seen;
  for (const auto& e : entries_) {
    if (e.name.empty()) return "servicebox.services: a service without a name";
    for (char c : e.name)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'))
        return "servicebox.services: name '" + e.name + "' must be letters, digits, '-' or '_'";
    if (!seen.insert(e.name).second) return "servicebox.services: '" + e.name + "' listed twice";
    if (e.method != "INVITE" && e.method != "MESSAGE" && e.method != "OPTIONS" && e.method != "GET")
      return "servicebox.services." + e.name + ": method '" + e.method + "' is not INVITE, MESSAGE, OPTIONS or GET";
  }
  return {};
}

}  // namespace imsguard::service
