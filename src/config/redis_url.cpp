#include "config/redis_url.h"

#include <charconv>

namespace imsguard::config {
namespace {

template <typename T>
bool parse_number(std::string_view s, T& out, T min, T max) {
  T v{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < min || v > max) return false;
  out = v;
  return true;
}

// %XX escapes in the password (a password may contain '@' or ':').
std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    unsigned v = 0;
    if (i + 2 >= s.size()) return std::nullopt;
    auto [end, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
    if (ec != std::errc() || end != s.data() + i + 3) return std::nullopt;
    out += static_cast<char>(v);
    i += 2;
  }
  return out;
}

Status fail(std::string why) { return invalid_argument(std::move(why)); }

}  // namespace

bool is_redis_url(std::string_view state) {
  return state.rfind("redis://", 0) == 0 || state.rfind("rediss://", 0) == 0;
}

std::string RedisUrl::redacted() const {
  std::string s = tls ? "rediss://" : "redis://";
  if (!password.empty()) s += (user.empty() ? std::string() : user) + ":***@";
  bool v6 = host.find(':') != std::string::npos;
  s += v6 ? "[" + host + "]" : host;
  s += ":" + std::to_string(port) + "/" + std::to_string(db);
  return s;
}

StatusOr<RedisUrl> parse_redis_url(std::string_view text) {
  RedisUrl u;
  std::string_view rest;
  if (text.rfind("redis://", 0) == 0) {
    rest = text.substr(8);
  } else if (text.rfind("rediss://", 0) == 0) {
    rest = text.substr(9);
    u.tls = true;
  } else {
    return fail("not a Redis URL (redis://[:password@]host:port/db or rediss://...)");
  }
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view path;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    path = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  // userinfo: the last '@' ends it (an unescaped '@' in a password still works).
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view info = rest.substr(0, at);
    rest = rest.substr(at + 1);
    std::string_view user = info, pass;
    if (auto colon = info.find(':'); colon != std::string_view::npos) {
      user = info.substr(0, colon);
      pass = info.substr(colon + 1);
    } else {
      // redis://password@host is a common shorthand for the default user's password.
      pass = info;
      user = {};
    }
    auto du = percent_decode(user);
    auto dp = percent_decode(pass);
    if (!du || !dp) return fail("bad %-escape in the Redis URL's user or password");
    u.user = *du;
    u.password = *dp;
  }
  // host[:port], [v6][:port]
  std::string_view port_text;
  if (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string_view::npos) return fail("unterminated [IPv6] host in the Redis URL");
    u.host = std::string(rest.substr(1, close - 1));
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail("unexpected text after the [IPv6] host in the Redis URL");
      port_text = after.substr(1);
    }
  } else {
    auto colon = rest.rfind(':');
    if (colon != std::string_view::npos) {
      u.host = std::string(rest.substr(0, colon));
      port_text = rest.substr(colon + 1);
    } else {
      u.host = std::string(rest);
    }
  }
  if (u.host.empty()) return fail("the Redis URL has no host");
  for (char c : u.host)
    if (static_cast<unsigned char>(c) <= ' ' || c == '/' || c == '?' || c == '#')
      return fail("the Redis URL's host contains an invalid character");
  if (!port_text.empty() && !parse_number<uint16_t>(port_text, u.port, 1, 65535))
    return fail("the Redis URL's port '" + std::string(port_text) + "' is not 1-65535");
  if (!path.empty() && !parse_number<int>(path, u.db, 0, 15))
    return fail("the Redis URL's database '" + std::string(path) + "' is not 0-15");
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (item.empty()) continue;
    auto eq = item.find('=');
    std::string_view name = item.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1);
    auto decoded = percent_decode(value);
    if (!decoded) return fail("bad %-escape in the Redis URL option '" + std::string(name) + "'");
    if (name == "tls") {
      if (value == "1" || value == "true") u.tls = true;
      else if (value == "0" || value == "false") u.tls = false;
      else return fail("tls must be 0 or 1 in the Redis URL");
    } else if (name == "ca") {
      u.ca = *decoded;
    } else if (name == "cert") {
      u.cert = *decoded;
    } else if (name == "key") {
      u.key = *decoded;
    } else if (name == "timeout_ms") {
      if (!parse_number<int>(value, u.timeout_ms, 10, 60000)) return fail("timeout_ms must be 10-60000 in the Redis URL");
    } else if (name == "pool") {
      if (!parse_number<int>(value, u.pool, 1, 64)) return fail("pool must be 1-64 in the Redis URL");
    } else if (name == "prefix") {
      if (decoded->empty()) return fail("prefix must not be empty in the Redis URL");
      u.prefix = *decoded;
    } else {
      return fail("unknown Redis URL option '" + std::string(name) +
                  "' (tls, ca, cert, key, timeout_ms, pool, prefix)");
    }
  }
  if ((!u.ca.empty() || !u.cert.empty() || !u.key.empty()) && !u.tls)
    return fail("ca/cert/key given without TLS: use rediss:// or ?tls=1");
  if (u.cert.empty() != u.key.empty()) return fail("a client certificate needs both cert and key");
  return u;
}

}  // namespace imsguard::config
