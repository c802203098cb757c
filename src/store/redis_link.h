#pragma once
// RedisLink: one connection to Redis, plain or TLS. Debian 12 ships hiredis 0.14, which has
// no TLS, so a `rediss://` link runs OpenSSL over its own socket and borrows only hiredis's
// command formatter and reply parser; a plain link is a hiredis context. Either way the
// caller gets hiredis replies, so RedisClient has one code path for both.
#include <memory>
#include <string>

#include "common/status.h"
#include "config/redis_url.h"

struct redisReply;

namespace imsguard::store {

struct RedisReplyFree {
  void operator()(redisReply* r) const;
};
using RedisReplyPtr = std::unique_ptr<redisReply, RedisReplyFree>;

class RedisLink {
 public:
  virtual ~RedisLink() = default;

  // Connects within the URL's timeout (TLS: verifies the server certificate against `ca`,
  // or the system store, and its name or IP address; presents `cert`/`key` if given).
  // kUnavailable with why when it cannot.
  static StatusOr<std::unique_ptr<RedisLink>> open(const config::RedisUrl& url);

  // Sends one command and reads its reply (a Redis error reply is a reply). kUnavailable on a
  // transport failure or a timeout; the link is then broken and must be reopened.
  virtual StatusOr<RedisReplyPtr> call(int argc, const char** argv, const size_t* lens) = 0;
  virtual bool broken() const = 0;
};

}  // namespace imsguard::store
