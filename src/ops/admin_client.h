#pragma once
// A client for the admin API (`imsguard admin ...`): one HTTP request with the bearer token,
// so operators and scripts on the machine need neither curl nor the token on a command line.
#include <cstdint>
#include <string>

namespace imsguard::ops {

struct AdminCall {
  bool reached = false;  // false: no answer (nothing listening, timeout); `error` says why
  int status = 0;
  std::string body;
  std::string error;
};

// method: "GET", "POST", "DELETE". `path` may carry a query (already percent-encoded).
AdminCall admin_request(const std::string& address, uint16_t port, const std::string& token, const std::string& method,
                        const std::string& path, const std::string& json_body = "");

// Percent-encodes a query parameter value (RFC 3986 unreserved characters stay).
std::string percent_encode(const std::string& value);

}  // namespace imsguard::ops
