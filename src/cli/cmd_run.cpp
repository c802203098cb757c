// `imsguard run`: starts the roles named in the configuration (the embedded default when
// no --config is given) and runs until SIGINT/SIGTERM or --duration. SIGHUP re-reads the
// --config file and applies what can change in a running process (edge::Node::reload).
#include "cli/command.h"
#include "config/config.h"
#include "edge/node.h"
#include "ops/events.h"

#include <signal.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <iostream>

namespace {

// Re-reads `path` and applies it; a config with errors is refused and the running one kept.
void reload(imsguard::edge::Node& node, const std::string& path, const std::string& data_dir) {
  if (path.empty()) {
    std::cerr << "SIGHUP: no --config file to re-read (the embedded default cannot change)\n" << std::flush;
    return;
  }
  auto loaded = imsguard::config::load_file(path);
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors) std::cerr << "SIGHUP: reload refused: config error: " << e.to_string() << "\n";
    std::cerr << "SIGHUP: the running configuration is kept\n" << std::flush;
    imsguard::ops::events().emit({"config", path, "", "reload_refused", loaded.errors.front().to_string()});
    return;
  }
  auto next = std::move(*loaded.config);
  if (!data_dir.empty()) next.data_dir = data_dir;
  auto report = node.reload(next);
  if (!report.error.empty()) {
    std::cerr << "SIGHUP: reload refused: " << report.error << "\nSIGHUP: the running configuration is kept\n"
              << std::flush;
    imsguard::ops::events().emit({"config", path, "", "reload_refused", report.error});
    return;
  }
  for (const auto& note : report.notes) std::cerr << "SIGHUP: " << note << "\n";
  std::cerr << "SIGHUP: configuration reloaded from " << path << "\n" << std::flush;
  imsguard::ops::events().emit({"config", path, "", "reload", "configuration reloaded"});
}

// Waits for SIGINT/SIGTERM (or the end of `duration_s` when non-zero), reloading on SIGHUP.
void serve(imsguard::edge::Node& node, const sigset_t& signals, unsigned duration_s, const std::string& path,
           const std::string& data_dir) {
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(duration_s);
  for (;;) {
    int sig = 0;
    if (duration_s > 0) {
      auto left = end - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero()) return;
      auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
      timespec timeout{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
      sig = sigtimedwait(&signals, nullptr, &timeout);
    } else {
      sig = sigwaitinfo(&signals, nullptr);
    }
    if (sig < 0) continue;  // EINTR, or the timeout (checked above)
    if (sig != SIGHUP) return;
    reload(node, path, data_dir);
  }
}

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

    // Block the stop signals and SIGHUP in every thread; this thread waits for them.
    sigset_t signals = imsguard::cli::block_stop_signals();
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    imsguard::edge::Node node(std::move(config));
    if (auto err = node.start(); !err.empty()) {
      std::cerr << "imsguard run: " << err << "\n";
      imsguard::cli::exit_status() = 1;
      return;
    }
    std::cerr << "imsguard running (Ctrl-C stops)\n" << node.banner() << std::flush;
    serve(node, signals, opts->duration_s, opts->config, opts->data_dir);
    node.stop();
    std::cerr << "imsguard stopped; counters:\n" << node.counters_summary() << std::flush;
  });
}};

}  // namespace
