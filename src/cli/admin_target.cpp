#include "cli/admin_target.h"

#include "cli/command.h"
#include "config/config.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

namespace imsguard::cli {

namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// Resolves where to connect and with which token; false (message printed) when it cannot.
bool resolve(const AdminTarget& o, const std::string& who, std::string& address, uint16_t& port, std::string& token) {
  auto loaded = o.config_file.empty() ? config::load_default() : config::load_file(o.config_file);
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
      std::cerr << who << ": cannot read " << o.token_file << "\n";
      return false;
    }
    std::stringstream text;
    text << in.rdbuf();
    token = trim(text.str());
  }
  if (token.empty()) {
    std::cerr << who << ": no token (admin.token in --config, --token-file, or IMSGUARD_ADMIN_TOKEN)\n";
    return false;
  }
  return true;
}

}  // namespace

void add_admin_target_options(CLI::App* cmd, AdminTarget& o) {
  cmd->add_option("--config", o.config_file, "take admin.listen and admin.token from this config file");
  cmd->add_option("--address", o.address, "admin API address (default admin.listen)");
  cmd->add_option("--port", o.port, "admin API port (default admin.listen)");
  cmd->add_option("--token-file", o.token_file, "file holding the bearer token (else IMSGUARD_ADMIN_TOKEN or admin.token)");
}

AdminAnswer admin_call(const AdminTarget& o, const std::string& who, const std::string& method, const std::string& path,
                       const std::string& body) {
  std::string address, token;
  uint16_t port = 0;
  if (!resolve(o, who, address, port, token)) {
    exit_status() = 2;
    return {};
  }
  auto r = ops::admin_request(address, port, token, method, path, body);
  if (!r.reached) {
    std::cerr << who << ": " << r.error << "\n";
    exit_status() = 1;
    return {};
  }
  if (r.status >= 200 && r.status < 300) {
    exit_status() = 0;
    return {true, std::move(r.body)};
  }
  std::cerr << who << ": HTTP " << r.status << ": " << r.body;
  // The request was wrong (bad address, unknown ban or subscriber): bad input. Anything else
  // (wrong token, store down) is a runtime failure.
  exit_status() = r.status == 400 || r.status == 404 || r.status == 405 ? 2 : 1;
  return {};
}

}  // namespace imsguard::cli
