// imsguard: one binary, several roles. Each subcommand lives in its own cmd_*.cpp.
#include "cli/command.h"

#include <cstdio>

namespace imsguard::cli {

std::vector<CommandInstaller>& command_installers() {
  static std::vector<CommandInstaller> installers;
  return installers;
}

int& exit_status() {
  static int status = 0;
  return status;
}

}  // namespace imsguard::cli

int main(int argc, char** argv) {
  CLI::App app{"imsguard: security for IMS networks (I-C, I-S, C-S interfaces)", "imsguard"};
  app.require_subcommand(1);
  app.set_version_flag("--version", IMSGUARD_VERSION);
  for (auto& install : imsguard::cli::command_installers()) install(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    // CLI11 returns 0 for --help/--version; usage errors become 2 like every bad input.
    return rc == 0 ? 0 : 2;
  }
  return imsguard::cli::exit_status();
}
