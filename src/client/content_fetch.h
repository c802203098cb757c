#pragma once
// The client's half of C-S: reading the content token the core hands out over signaling
// and fetching content from the service box's HTTPS server with it. The server's
// certificate is always verified against the given CA (chain and host name or address);
// there is no way to skip that, because a token shown to the wrong server is a token lost.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace imsguard::client {

// The header of the core's 200 OK to a content service request (service/service_gate.h).
inline constexpr std::string_view kContentTokenHeaderName = "Content-Token";

// The Content-Token header value `<token>;service=<name>;expires=<unix>`.
struct ContentToken {
  std::string token;
  std::string service;
  int64_t expires = 0;
};

// nullopt when the value has no token (or characters a JWS cannot contain).
std::optional<ContentToken> parse_content_token(std::string_view header_value);

// https://host[:port]/path; host a name, an IPv4 address or [IPv6].
struct HttpsUrl {
  std::string host;  // without brackets
  uint16_t port = 443;
  std::string path;  // starts with '/'
};
// kInvalid saying what is wrong (not https, no host, a user@, a bad port or path).
StatusOr<HttpsUrl> parse_https_url(std::string_view url);

struct FetchOptions {
  HttpsUrl url;
  std::string token;    // sent as "Authorization: Bearer <token>"
  std::string ca_file;  // trust anchor for the server's certificate
  std::chrono::milliseconds timeout{5000};
  size_t max_body = 1 << 20;
};

// An outcome struct: an HTTP answer, whatever its status, is a result the caller prints
// (a 403 with its reason); `error` is for when there was no answer at all.
struct FetchResult {
  int status = 0;     // HTTP status; 0 when there was none (connection, TLS, timeout)
  std::string body;   // as received (bounded by max_body)
  // Not ok exactly when status is 0: kInvalid when the CA file cannot be used (the caller's
  // --ca), kUnavailable when the server could not be reached, did not verify against the
  // CA, timed out or sent more than max_body.
  Status error;
};

FetchResult fetch_content(const FetchOptions& options);

// The body with control characters other than newline and tab replaced, so content cannot
// write escape sequences to the operator's terminal.
std::string printable_body(std::string_view body);

}  // namespace imsguard::client
