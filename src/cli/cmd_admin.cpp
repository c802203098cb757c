// `imsguard admin ...`: the admin API of a running imsguard from the command line (metrics,
// bans, registrations, a subscriber's state). The address and token come from the config
// file (--config), or --address/--port and --token-file / IMSGUARD_ADMIN_TOKEN, so the token
// never has to appear on a command line (visible to every user in `ps`).
#include "cli/command.h"
#include "config/config.h"
#include "cli/admin_target.h"
#include "ops/admin_client.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

namespace {

struct AdminOptions {
  imsguard::cli::AdminTarget target;
  // Subcommand arguments.
  std::string target_id;
  uint32_t ttl_s = 0;
  std::string reason;
  uint16_t ban_port = 0;
};

void call(const AdminOptions& o, const std::string& method, const std::string& path, const std::string& body = "") {
  auto answer = imsguard::cli::admin_call(o.target, "imsguard admin", method, path, body);
  if (answer.ok) std::cout << answer.body;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (static_cast<unsigned char>(c) >= 0x20) out.push_back(c);
  }
  return out + "\"";
}

imsguard::cli::CommandRegistration reg{[](CLI::App& app) {
  auto o = std::make_shared<AdminOptions>();
  auto* admin = app.add_subcommand("admin", "query and manage a running imsguard through its admin API");
  admin->require_subcommand(1);
  imsguard::cli::add_admin_target_options(admin, o->target);

  admin->add_subcommand("metrics", "Prometheus metrics text")->callback([o] { call(*o, "GET", "/metrics"); });
  admin->add_subcommand("bans", "bans in force (JSON)")->callback([o] { call(*o, "GET", "/api/v1/bans"); });
  auto* ban = admin->add_subcommand("ban", "ban an address or prefix on this edge (and, with shared state, all edges)");
  ban->add_option("address", o->target_id, "address or prefix")->required();
  ban->add_option("--ttl", o->ttl_s, "seconds (default guards.banlist.default_ttl_s)")->check(CLI::Range(1u, 31536000u));
  ban->add_option("--reason", o->reason, "why (recorded with the ban and in the security event)");
  ban->callback([o] {
    std::string body = "{\"prefix\": " + json_string(o->target_id);
    if (o->ttl_s) body += ", \"ttl_s\": " + std::to_string(o->ttl_s);
    if (!o->reason.empty()) body += ", \"reason\": " + json_string(o->reason);
    call(*o, "POST", "/api/v1/bans", body + "}");
  });
  auto* unban = admin->add_subcommand("unban", "lift a ban");
  unban->add_option("address", o->target_id, "address or prefix as listed")->required();
  unban->add_option("--flow-port", o->ban_port, "the port of a single-flow ban");
  unban->callback([o] {
    std::string path = "/api/v1/bans?prefix=" + imsguard::ops::percent_encode(o->target_id);
    if (o->ban_port) path += "&port=" + std::to_string(o->ban_port);
    call(*o, "DELETE", path);
  });
  admin->add_subcommand("registrations", "live registrations (JSON)")->callback([o] {
    call(*o, "GET", "/api/v1/registrations");
  });
  auto* sub = admin->add_subcommand("subscriber", "a subscriber's state: identities, services, registrations, lockout");
  sub->add_option("id", o->target_id, "IMPI or IMPU")->required();
  sub->callback([o] { call(*o, "GET", "/api/v1/subscribers/" + imsguard::ops::percent_encode(o->target_id)); });
}};

}  // namespace
