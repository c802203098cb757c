// `imsguard check-config FILE`: validates a configuration and lists every error with its
// key path, line and a hint. Exit status 2 when anything is wrong.
#include "cli/command.h"
#include "config/config.h"

#include <iostream>

namespace {

imsguard::cli::CommandRegistration reg{[](CLI::App& app) {
  auto file = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("check-config", "Validate a configuration file (or the embedded default)");
  cmd->add_option("file", *file, "configuration file; omitted: the embedded default");
  cmd->callback([file] {
    auto result = file->empty() ? imsguard::config::load_default() : imsguard::config::load_file(*file);
    if (!result.ok()) {
      for (const auto& e : result.errors) std::cerr << "error: " << e.to_string() << "\n";
      std::cerr << result.errors.size() << " error(s) in " << (file->empty() ? "<embedded default>" : *file) << "\n";
      imsguard::cli::exit_status() = 2;
      return;
    }
    std::cout << "configuration OK: " << (file->empty() ? "<embedded default>" : *file) << "\n";
  });
}};

}  // namespace
