#pragma once
// Where a command that talks to a running imsguard over its admin API connects, and with
// which token: admin.listen and admin.token of --config (default: the embedded config), or
// --address/--port, and --token-file or IMSGUARD_ADMIN_TOKEN, so the token never has to be
// on a command line (every user reads those in `ps`). Shared by `imsguard admin` and
// `imsguard registration`.
#include <CLI/CLI.hpp>

#include "ops/admin_client.h"

#include <cstdint>
#include <string>

namespace imsguard::cli {

struct AdminTarget {
  std::string config_file;
  std::string address;
  uint16_t port = 0;
  std::string token_file;
};

// Adds --config, --address, --port and --token-file to `cmd`.
void add_admin_target_options(CLI::App* cmd, AdminTarget& target);

// One request to the admin API. On a 2xx the answer; otherwise the message is printed
// (prefixed by `who`) and exit_status() set: 2 when the request was wrong (bad input,
// nothing such), 1 when the API cannot be reached or refuses the token.
struct AdminAnswer {
  bool ok = false;
  std::string body;
};
AdminAnswer admin_call(const AdminTarget& target, const std::string& who, const std::string& method,
                       const std::string& path, const std::string& body = "");

}  // namespace imsguard::cli
