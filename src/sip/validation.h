#pragma once
// What an element must refuse in a well-formed message (RFC 3261 8.2 for a UAS/registrar,
// 16.3 for a proxy; RFC 4475 sections 3.1.2 and 3.3). Parsing accepts anything that is
// syntactically framed; this decides whether the element can act on it and, when not, the
// exact answer. Kept apart from the parser so the edge can apply it per role and so
// fuzzing the parser does not depend on policy.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sip/message.h"

namespace imsguard::sip {

enum class Role {
  kProxy,      // forwards: checks Proxy-Require and Max-Forwards, not bodies or Require
  kRegistrar,  // consumes REGISTER: AOR must be sip/sips
  kUserAgent,  // consumes requests: Require, Content-Type, Accept
};

struct ValidationPolicy {
  Role role = Role::kProxy;
  // Methods the element handles; others get 501 with Allow.
  std::vector<std::string> methods = {"INVITE", "ACK",   "BYE",       "CANCEL", "REGISTER",
                                      "OPTIONS", "MESSAGE", "INFO",   "PRACK",  "UPDATE",
                                      "SUBSCRIBE", "NOTIFY", "REFER", "PUBLISH"};
  // Option tags understood in Require / Proxy-Require (case-insensitive).
  std::vector<std::string> extensions = {"path", "outbound", "gruu", "timer", "100rel",
                                         "replaces", "sec-agree", "precondition"};
  // Request-URI schemes the element accepts; others get 416.
  std::vector<std::string> uri_schemes = {"sip", "sips", "tel"};
  // Body types consumed (role kUserAgent/kRegistrar); others get 415 with Accept.
  std::vector<std::string> content_types = {"application/sdp", "multipart/mixed",
                                            "text/plain", "message/cpim",
                                            "application/pidf+xml", "message/sipfrag"};
  // Body types the element answers INVITE with; an Accept that allows none gives 406.
  std::vector<std::string> produced_types = {"application/sdp"};
  // Refuse a Date that is not in GMT (RFC 4475 baddate); off lets it pass untouched.
  bool check_date = true;
  // Refuse a SIP Request-URI that carries ?headers (RFC 4475 escruri).
  bool reject_request_uri_headers = true;
};

struct Verdict {
  int code = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;  // Unsupported, Allow, Accept
};

// nullopt: the element may act on the request. Call only for requests that parsed kOk.
std::optional<Verdict> check_request(const Message& request, const ValidationPolicy& policy);

// For a response that parsed kOk: nullopt to process it, or why it must be discarded
// (missing or out-of-range mandatory fields, RFC 4475 scalarlg).
std::optional<std::string_view> check_response(const Message& response);

}  // namespace imsguard::sip
