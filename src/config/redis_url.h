#pragma once
// The `state:` value for a shared Redis backend, parsed in one place so the config checker,
// the runtime and the tests agree on what it means:
//   redis://[[user]:password@]host[:port][/db][?option=value&...]
//   rediss://...            (TLS; same as ?tls=1)
// Options: tls=0|1, ca=FILE, cert=FILE, key=FILE, timeout_ms=N (connect and command
// timeout, default 500), prefix=TEXT (key prefix, default "imsguard:"; edges of one domain
// must use the same), pool=N (connections, default 4).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace imsguard::config {

struct RedisUrl {
  std::string host;
  uint16_t port = 6379;
  int db = 0;
  std::string user;      // Redis 6 ACL user; empty: the default user
  std::string password;  // empty: no AUTH
  bool tls = false;
  std::string ca, cert, key;
  int timeout_ms = 500;
  std::string prefix = "imsguard:";
  int pool = 4;

  // host:port/db without the password (for logs and banners).
  std::string redacted() const;
};

// True if `state` names a Redis backend at all (redis:// or rediss://).
bool is_redis_url(std::string_view state);

// Parses and checks the URL (TLS runs over OpenSSL in RedisLink: Debian 12's hiredis 0.14
// has no TLS of its own). kInvalid with why the text is not a usable Redis URL.
StatusOr<RedisUrl> parse_redis_url(std::string_view text);

}  // namespace imsguard::config
