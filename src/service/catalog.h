#pragma once
// The services the service box offers and what each may assert back toward the core. One
// table read by both sides, so the core's profile check, the box's dispatch and the
// response filter cannot disagree about what a service is.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace imsguard::service {

struct ServiceEntry {
  std::string name;    // "media", "messaging", "content"
  // The SIP method it answers ("INVITE", "MESSAGE", "OPTIONS"), or "GET" for content served
  // over HTTPS: a SIP MESSAGE to such a service is a token request the core answers itself.
  std::string method;
  // The only identity the service may assert back (P-Asserted-Identity in its answers):
  // its own service URI. Anything else is removed by the core and counted.
  std::string identity;
  // Headers the service may set in answers beyond the RFC 3261 dialog headers.
  std::vector<std::string> allowed_headers;

  bool is_content() const { return method == "GET"; }
  // The SIP method a subscriber uses toward the service (MESSAGE for a content service).
  std::string_view sip_method() const;
};

class ServiceCatalog {
 public:
  // `domain` is the IMS home domain; service URIs are sip:<name>@services.<domain>.
  ServiceCatalog(const config::ServiceBox& box, std::string_view domain);

  const ServiceEntry* find(std::string_view name) const;
  const std::vector<ServiceEntry>& entries() const { return entries_; }

  // An error naming each service in `profile` that the catalogue does not know ("" if none):
  // provisioning a service that does not exist is a configuration mistake worth stopping on.
  std::string unknown_services(const std::vector<std::string>& profile) const;

  // Config checks: names unique and non-empty, methods INVITE/MESSAGE/OPTIONS/GET.
  std::string validate() const;

 private:
  std::vector<ServiceEntry> entries_;
};

// "sip:<name>@services.<domain>"
std::string service_uri(std::string_view name, std::string_view domain);

}  // namespace imsguard::service
