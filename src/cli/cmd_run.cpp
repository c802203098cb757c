// `imsguard run`: starts the roles named in the configuration (the embedded default when
// no --config is given) and runs until SIGINT/SIGTERM or --duration.
#include "cli/command.h"
#include "config/config.h"
#include "edge/node.h"

#include <signal.h>

#include <chrono>
#include <ctime>
#include <iostream>

namespace {

imsguard::cli::CommandRegistration reg{[](CLI::App& app) {
  struct Options {
    std::string config;
    std::string data_dir;
    unsigned duration_s = 0;
  };
  auto opts = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("run", "Run the roles of a configuration (default: the embedded one)");
  cmd->add_option("--config", opts->config, "configuration file (default: embedded config/imsguard.yaml)");
  cmd->add_option("--data-dir", opts->data_dir, "override data_dir of the configuration");
  cmd->add_option("--duration", opts->duration_s, "stop after this many seconds (0: run until a signal)");
  cmd->callback([opts] {
    auto loaded = opts->config.empty() ? imsguard::config::load_default() : imsguard::config::load_file(opts->config);
    if (!loaded.ok()) {
      for (const auto& e : loaded.errors) std::cerr << "config error: " << e.to_string() << "\n";
      imsguard::cli::exit_status() = 2;
      return;
    }
    auto config = std::move(*loaded.config);
    if (!opts->data_dir.empty()) config.data_dir = opts->data_dir;

    // Block the stop signals in every thread; this thread waits for them.
    sigset_t stop_signals = imsguard::cli::block_stop_signals();

    imsguard::edge::Node node(std::move(config));
    if (auto err = node.start(); !err.empty()) {
      std::cerr << "imsguard run: " << err << "\n";
      imsguard::cli::exit_status() = 1;
      return;
    }
    std::cerr << "imsguard running (Ctrl-C stops)\n" << node.banner() << std::flush;
    imsguard::cli::wait_for_stop(stop_signals, opts->duration_s);
    node.stop();
    std::cerr << "imsguard stopped; counters:\n" << node.counters_summary() << std::flush;
  });
}};

}  // namespace
