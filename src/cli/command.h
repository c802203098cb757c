#pragma once
// Subcommands register themselves here, so adding one is adding one file to src/cli/
// (the files are compiled straight into the binary, so static registration is kept).
#include <CLI/CLI.hpp>

#include <signal.h>

#include <functional>

#include "common/status.h"
#include <vector>

namespace imsguard::cli {

// Adds one subcommand (with its options and callback) to the application.
using CommandInstaller = std::function<void(CLI::App& app)>;

std::vector<CommandInstaller>& command_installers();

// A file-scope `CommandRegistration reg{[](CLI::App& app) {...}};` adds a subcommand.
struct CommandRegistration {
  explicit CommandRegistration(CommandInstaller installer) {
    command_installers().push_back(std::move(installer));
  }
};

// Subcommands of `imsguard client` may live in their own files too (cmd_client_*.cpp):
// `ClientCommandRegistration reg{[](CLI::App& client) {...}};` adds one under `client`.
std::vector<CommandInstaller>& client_command_installers();
struct ClientCommandRegistration {
  explicit ClientCommandRegistration(CommandInstaller installer) {
    client_command_installers().push_back(std::move(installer));
  }
};

// Exit status of a command is returned through this exception-free channel: callbacks set
// it, main returns it. 0 ok, 1 runtime failure, 2 bad usage / bad input.
int& exit_status();
// The exit status for a failed Status: 2 when the input was at fault (kInvalid, kNotFound,
// kConflict), 1 when the system was (kUnavailable, kInternal).
int exit_status_for(Code code);

// Long-running roles stop on SIGINT/SIGTERM: block them in every thread (call before any
// thread starts), then wait in the main thread for one, or for `duration_s` when non-zero.
sigset_t block_stop_signals();
void wait_for_stop(const sigset_t& stop_signals, unsigned duration_s);

}  // namespace imsguard::cli
