// `imsguard run`: starts the roles named in the configuration (the embedded default when
// no --config is given) and runs until SIGINT/SIGTERM or --duration. SIGHUP re-reads the
// --config file and applies what can change in a running process (app::Node::reload).
#include "cli/command.h"
#include "config/config.h"
#include "app/node.h"
#include "ops/events.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <iostream>

namespace {

// Re-reads `path` and applies it; a config with errors is refused and the running one kept.
// Says key by key what it applied and what needs a restart; "reloaded" only when everything
// that changed is in force.
void reload(imsguard::app::Node& node, const std::string& path, const std::string& data_dir) {
  auto& events = node.events();
  if (path.empty()) {
    spdlog::warn("SIGHUP: no --config file to re-read (the embedded default cannot change)");
    return;
  }
  auto loaded = imsguard::config::load_file(path);
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors) spdlog::error("SIGHUP: reload refused: config error: {}", e.to_string());
    spdlog::error("SIGHUP: the running configuration is kept");
    events.emit({"config", path, "", "reload_refused", loaded.errors.front().to_string()});
    return;
  }
  auto next = std::move(*loaded.config);
  if (!data_dir.empty()) next.data_dir = data_dir;
  auto report = node.reload(next);
  if (!report.error.ok()) {
    spdlog::error("SIGHUP: reload refused: {}", report.error.message());
    spdlog::error("SIGHUP: the running configuration is kept");
    events.emit({"config", path, "", "reload_refused", report.error.message()});
    return;
  }
  for (const auto& note : report.notes) spdlog::info("SIGHUP: {}", note);
  for (const auto& key : report.applied) spdlog::info("SIGHUP: applied {}", key);
  for (const auto& key : report.restart) {
    spdlog::warn("SIGHUP: {} changed but is NOT applied: it needs a restart", key);
    events.emit({"config", path, "", "restart_needed", key + ": changed, applies after a restart"});
  }
  auto list = [](const std::vector<std::string>& keys) {
    std::string out;
    for (const auto& k : keys) out += (out.empty() ? "" : ", ") + k;
    return out;
  };
  std::string applied = std::to_string(report.applied.size()) + " key(s) applied";
  if (report.applied.empty() && report.restart.empty()) {
    spdlog::info("SIGHUP: no configuration change in {} (event output reopened, certificates re-read)", path);
    events.emit({"config", path, "", "reload", "no change"});
  } else if (report.restart.empty()) {
    spdlog::info("SIGHUP: configuration reloaded from {}: {}", path, applied);
    events.emit({"config", path, "", "reload", "applied: " + list(report.applied)});
  } else {
    spdlog::warn("SIGHUP: configuration only partly reloaded from {}: {}; {} key(s) need a restart: {}", path, applied,
                 report.restart.size(), list(report.restart));
    events.emit({"config", path, "", "reload_partial",
                 "applied: " + list(report.applied) + "; restart needed: " + list(report.restart)});
  }
}

// Waits for SIGINT/SIGTERM (or the end of `duration_s` when non-zero), reloading on SIGHUP.
void serve(imsguard::app::Node& node, const sigset_t& signals, unsigned duration_s, const std::string& path,
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
    bool demo = false;
  };
  auto opts = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("run", "Run the roles of a configuration (default: the embedded one)");
  cmd->add_option("--config", opts->config, "configuration file (default: embedded config/imsguard.yaml)");
  cmd->add_option("--data-dir", opts->data_dir, "override data_dir of the configuration");
  cmd->add_option("--duration", opts->duration_s, "stop after this many seconds (0: run until a signal)");
  cmd->add_flag("--demo", opts->demo,
                "seed two demo subscribers into an empty store (always done for the embedded default config)");
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

    imsguard::app::Node node(std::move(config), opts->config.empty() || opts->demo);
    if (auto started = node.start(); !started.ok()) {
      // Exit 1 whatever the code: scripts and supervisors read 1 as "did not start".
      std::cerr << "imsguard run: " << started.message() << "\n";
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
