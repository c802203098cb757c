#pragma once
// Which keys SIGHUP applies to a running process: the one table of the reload policy.
// app::Node::reload applies exactly these and names every other changed key as needing a
// restart; the reload e2e test changes each reloadable key and checks that it was applied.
#include <string_view>

namespace imsguard::config {

struct ReloadRule {
  std::string_view key;  // a key path, or a section ("guards") covering the keys below it
  bool reloadable;
  std::string_view how;  // what a reload does with it (docs/configuration.md, operations.md)
};

// Most specific rule first (a key before its section).
inline constexpr ReloadRule kReloadRules[] = {
    {"log.level", true, "the log level changes at once"},
    {"events.output", true, "events go to the new output; the same file is reopened (log rotation)"},
    {"tls.ca", true, "new TLS connections to the edge use the new files; open ones keep theirs"},
    {"tls.cert", true, "new TLS connections to the edge use the new files; open ones keep theirs"},
    {"tls.key", true, "new TLS connections to the edge use the new files; open ones keep theirs"},
    {"guards.banlist.default_ttl_s", false, "the control socket keeps the TTL it started with"},
    {"guards", true, "a guard whose settings changed is rebuilt (its windows start afresh); bans and lockouts stay"},
};

// True when SIGHUP applies `key`; every key no rule covers needs a restart.
constexpr bool reloadable(std::string_view key) {
  for (const auto& r : kReloadRules)
    if (key == r.key || (key.size() > r.key.size() && key.substr(0, r.key.size()) == r.key && key[r.key.size()] == '.'))
      return r.reloadable;
  return false;
}

}  // namespace imsguard::config
