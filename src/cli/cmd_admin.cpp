// `imsguard admin ...`: the admin API of a running imsguard from the command line (metrics,
// bans, registrations, a subscriber's state). The address and token come from the config
// file (--config), or --address/--port and --token-file / IMSGUARD_ADMIN_TOKEN, so the token
// never has to appear on a command line (visible to every user in `ps`).
#include "cli/command.h"
#include "config/config.h"
#include "ops/admin_client.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

namespace {

struct AdminOptions {
  std::string config_file;
  std::string address;
  uint16_t port = 0;
  std::string token_file;
  // Subcommand arguments.
  std::string target;
  uint32_t ttl_s = 0;
  std::string reason;
  uint16_t ban_port = 0;
};

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// Resolves where to connect and with which token; false (message printed) when it cannot.
bool resolve(const AdminOptions& o, std::string& address, uint16_t& port, std::string& token) {
  auto loaded = o.config_file.empty() ? imsguard::config::load_default() : imsguard::config::load_file(o.config_file);
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors) std::cerr << "config error: " << e.to_string() << "\n";
    return false;
  }
  address = o.address.empty() ? loaded.config->admin.listen.address : o.address;
  port = o.port ? o.port : loaded.config->admin.listen.port;
  token = loaded.config->admin.token;
  if (const char* env = std::getenv("IMSGUARD_ADMIN_TOKEN"); env && *env) token = env;
  if (!o.token_file.empty()) {
    std::ifstream in(o.token_file);
    if (!in) {
      std::cerr << "imsguard admin: cannot read " << o.token_file << "\n";
      return false;
    }
    std::stringstream text;
    text << in.rdbuf();
    token = trim(text.str());
  }
  if (token.empty()) {
    std::cerr << "imsguard admin: no token (admin.token in --config, --token-file, or IMSGUARD_ADMIN_TOKEN)\n";
    return false;
  }
  return true;
}

void call(const AdminOptions& o, const std::string& method, const std::string& path, const std::string& body = "") {
  std::string address, token;
  uint16_t port = 0;
  if (!resolve(o, address, port, token)) {
    imsguard::cli::exit_status() = 2;
    return;
  }
  auto r = imsguard::ops::admin_request(address, port, token, method, path, body);
  if (!r.reached) {
    std::cerr << "imsguard admin: " << r.error << "\n";
    imsguard::cli::exit_status() = 1;
    return;
  }
  if (r.status >= 200 && r.status < 300) {
    std::cout << r.body;
    imsguard::cli::exit_status() = 0;
    return;
  }
  std::cerr << "imsguard admin: HTTP " << r.status << ": " << r.body;
  // The request was wrong (bad address, unknown ban or subscriber): bad input. Anything else
  // (wrong token, store down) is a runtime failure.
  imsguard::cli::exit_status() = r.status == 400 || r.status == 404 || r.status == 405 ? 2 : 1;
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
  admin->add_option("--config", o->config_file, "take admin.listen and admin.token from this config file");
  admin->add_option("--address", o->address, "admin API address (default admin.listen)");
  admin->add_option("--port", o->port, "admin API port (default admin.listen)");
  admin->add_option("--token-file", o->token_file, "file holding the bearer token (else IMSGUARD_ADMIN_TOKEN or admin.token)");

  admin->add_subcommand("metrics", "Prometheus metrics text")->callback([o] { call(*o, "GET", "/metrics"); });
  admin->add_subcommand("bans", "bans in force (JSON)")->callback([o] { call(*o, "GET", "/api/v1/bans"); });
  auto* ban = admin->add_subcommand("ban", "ban an address or prefix on this edge (and, with shared state, all edges)");
  ban->add_option("address", o->target, "address or prefix")->required();
  ban->add_option("--ttl", o->ttl_s, "seconds (default guards.banlist.default_ttl_s)")->check(CLI::Range(1u, 31536000u));
  ban->add_option("--reason", o->reason, "why (recorded with the ban and in the security event)");
  ban->callback([o] {
    std::string body = "{\"prefix\": " + json_string(o->target);
    if (o->ttl_s) body += ", \"ttl_s\": " + std::to_string(o->ttl_s);
    if (!o->reason.empty()) body += ", \"reason\": " + json_string(o->reason);
    call(*o, "POST", "/api/v1/bans", body + "}");
  });
  auto* unban = admin->add_subcommand("unban", "lift a ban");
  unban->add_option("address", o->target, "address or prefix as listed")->required();
  unban->add_option("--flow-port", o->ban_port, "the port of a single-flow ban");
  unban->callback([o] {
    std::string path = "/api/v1/bans?prefix=" + imsguard::ops::percent_encode(o->target);
    if (o->ban_port) path += "&port=" + std::to_string(o->ban_port);
    call(*o, "DELETE", path);
  });
  admin->add_subcommand("registrations", "live registrations (JSON)")->callback([o] {
    call(*o, "GET", "/api/v1/registrations");
  });
  auto* sub = admin->add_subcommand("subscriber", "a subscriber's state: identities, services, registrations, lockout");
  sub->add_option("id", o->target, "IMPI or IMPU")->required();
  sub->callback([o] { call(*o, "GET", "/api/v1/subscribers/" + imsguard::ops::percent_encode(o->target)); });
}};

}  // namespace
