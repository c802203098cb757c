// `imsguard ban list|add|remove` and `imsguard unlock`: bans and brute-force lockouts of a
// running imsguard, without a restart, through the control socket in its data directory
// (guard/control.h). `ban list` shows the lockouts too, each with its reason.
#include "cli/command.h"
#include "config/config.h"
#include "guard/control.h"
#include "guard/source.h"

#include <iostream>
#include <memory>

namespace {

struct BanOptions {
  std::string data_dir = "./imsguard-data";
  std::string config_file;
  std::string socket;
  std::string address;
  uint32_t ttl_s = 0;
  std::string reason;
};

// The socket: --socket, else <data_dir>/control.sock with data_dir from --config or --data-dir.
bool socket_path(BanOptions& o, std::string& path) {
  if (!o.socket.empty()) {
    path = o.socket;
    return true;
  }
  std::string dir = o.data_dir;
  if (!o.config_file.empty()) {
    auto loaded = imsguard::config::load_file(o.config_file);
    if (!loaded.ok()) {
      for (const auto& e : loaded.errors) std::cerr << e.to_string() << "\n";
      return false;
    }
    dir = loaded.config->data_dir;
  }
  path = dir + "/control.sock";
  return true;
}

void send(BanOptions& o, const std::string& line) {
  std::string path;
  if (!socket_path(o, path)) {
    imsguard::cli::exit_status() = 2;
    return;
  }
  auto reply = imsguard::guard::control_request(path, line);
  if (!reply.ok) {
    std::cerr << "imsguard: " << reply.text << "\n";
    // A refused request (bad address, unknown ban) is bad input; no process is a failure.
    imsguard::cli::exit_status() = reply.text.rfind("cannot reach", 0) == 0 || reply.text.rfind("no answer", 0) == 0 ? 1 : 2;
    return;
  }
  std::cout << reply.text;
  imsguard::cli::exit_status() = 0;
}

bool valid_address(const std::string& text) {
  auto prefix = imsguard::guard::parse_prefix(text);
  if (prefix.ok()) return true;
  std::cerr << "imsguard ban: " << prefix.message() << "\n";
  imsguard::cli::exit_status() = 2;
  return false;
}

void add_target(CLI::App* cmd, BanOptions& o) {
  cmd->add_option("--data-dir", o.data_dir, "data directory of the running imsguard")->capture_default_str();
  cmd->add_option("--config", o.config_file, "take data_dir from this config file");
  cmd->add_option("--socket", o.socket, "control socket path (default <data_dir>/control.sock)");
}

imsguard::cli::CommandRegistration reg{[](CLI::App& app) {
  auto o = std::make_shared<BanOptions>();
  auto* ban = app.add_subcommand("ban", "list, add or remove bans in a running imsguard (no restart)");
  ban->require_subcommand(1);

  auto* list = ban->add_subcommand(
      "list", "bans in force (address or prefix, TTL left, hits, who banned, reason), then brute-force lockouts (identity or source, time left, reason)");
  add_target(list, *o);
  list->callback([o] { send(*o, "ban list"); });

  auto* add = ban->add_subcommand("add", "ban an address or prefix (192.0.2.7, 192.0.2.0/24, 2001:db8::/64)");
  add_target(add, *o);
  add->add_option("address", o->address, "address or prefix")->required();
  add->add_option("--ttl", o->ttl_s, "seconds (default guards.banlist.default_ttl_s)")->check(CLI::Range(1u, 31u * 86400u));
  add->add_option("--reason", o->reason, "why (recorded with the ban and in the security event)");
  add->callback([o] {
    if (!valid_address(o->address)) return;
    std::string line = "ban add " + o->address;
    line += o->ttl_s ? " " + std::to_string(o->ttl_s) : std::string(" -");
    std::string reason = o->reason;
    for (char& ch : reason)
      if (ch == '\n' || ch == '\r') ch = ' ';
    if (!reason.empty()) line += " " + reason;
    send(*o, line);
  });

  auto* remove = ban->add_subcommand("remove", "lift the ban of an address or prefix");
  add_target(remove, *o);
  remove->add_option("address", o->address, "address or prefix, as listed")->required();
  remove->callback([o] {
    if (!valid_address(o->address)) return;
    send(*o, "ban remove " + o->address);
  });
}};

imsguard::cli::CommandRegistration unlock_reg{[](CLI::App& app) {
  auto o = std::make_shared<BanOptions>();
  auto* unlock = app.add_subcommand(
      "unlock", "lift a brute-force lockout in a running imsguard: an identity (IMPI) or a source address, as `ban list` shows it");
  add_target(unlock, *o);
  unlock->add_option("target", o->address, "IMPI (alice@ims.example) or source address (192.0.2.7)")->required();
  unlock->callback([o] {
    if (o->address.empty() || o->address.find_first_of(" \t\r\n") != std::string::npos) {
      std::cerr << "imsguard unlock: '" << o->address << "' is not an IMPI or an address\n";
      imsguard::cli::exit_status() = 2;
      return;
    }
    send(*o, "unlock " + o->address);
  });
}};

}  // namespace
