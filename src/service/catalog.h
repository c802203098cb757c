#pragma once
// The services the service box offers and what each may assert back toward the core. One
// table read by both sides, so the core's profile check, the box's dispatch and the
// response filter cannot disagree about what a service is.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "config/config.h"

namespace imsguard::service {

struct ServiceEntry {
  std::string name;    // "media", "messaging", "content"
  // The SIP method it answers ("INVITE", "MESSAGE", "OPTIONS"), or "GET" for content served
  // over HTTPS: a SIP MESSAGE to such a service is a token request the core answers itself.
  std::string method;
  // Its own service URI: the identity the core asserts for it when it asserts none.
  std::string identity;
  // Identity patterns it may assert back (P-Asserted-Identity in its answers), from
  // servicebox.services[].may_assert; by default only `identity`. An answer asserting
  // anything else is refused by the core (502, counter, security event).
  std::vector<std::string> may_assert;
  // Headers the service may set in answers beyond the RFC 3261 dialog headers
  // (servicebox.services[].allowed_headers); the core removes any other.
  std::vector<std::string> allowed_headers;

  bool is_content() const { return method == "GET"; }
  // Whether `uri` (a P-Asserted-Identity URI) matches one of may_assert.
  bool may_assert_identity(std::string_view uri) const;
  // Whether the service may set `header` (a name; any case, compact forms resolved).
  bool may_set_header(std::string_view header) const;
  // The SIP method a subscriber uses toward the service (MESSAGE for a content service).
  std::string_view sip_method() const;
};

class ServiceCatalog {
 public:
  // `domain` is the IMS home domain; service URIs are sip:<name>@services.<domain>.
  ServiceCatalog(const config::ServiceBox& box, std::string_view domain);

  const ServiceEntry* find(std::string_view name) const;
  const std::vector<ServiceEntry>& entries() const { return entries_; }

  // kInvalid naming each service in `profile` that the catalogue does not know: provisioning
  // a service that does not exist is a configuration mistake worth stopping on.
  Status unknown_services(const std::vector<std::string>& profile) const;

  // Config checks: names unique and non-empty, methods INVITE/MESSAGE/OPTIONS/GET,
  // may_assert patterns are sip:/sips:/tel: URIs, allowed_headers are header names the core
  // does not own (identity headers are governed by may_assert, routing by the core).
  // kInvalid naming the first key at fault.
  Status validate() const;

 private:
  std::vector<ServiceEntry> entries_;
};

// "sip:<name>@services.<domain>"
std::string service_uri(std::string_view name, std::string_view domain);

// `pattern` with '*' matching any run of characters other than '@', ':' and ';' (so a
// wildcard never widens the host or the scheme), everything else literal and
// case-sensitive (a case variant is not silently accepted as the same identity).
bool identity_matches(std::string_view pattern, std::string_view uri);

// Headers a service answer always keeps (RFC 3261 8.2.6.2 and framing).
bool is_dialog_header(std::string_view name);

}  // namespace imsguard::service
