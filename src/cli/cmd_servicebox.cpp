// `imsguard servicebox`: the service platform alone (SIP application server behind mutual
// TLS + HTTPS content server), for a deployment where it runs apart from the core. It reads
// the same data_dir state as the core for the revocation view (SQLite state).
#include "cli/command.h"
#include "config/config.h"
#include "ops/counters.h"
#include "ops/events.h"
#include "service/service_node.h"

#include <signal.h>

#include <ctime>
#include <iostream>

namespace {

imsguard::cli::CommandRegistration reg{[](CLI::App& app) {
  struct Options {
    std::string config, data_dir, pki_dir, core_cert, cert, key, ca;
    unsigned duration_s = 0;
    uint16_t sip_port = 0, https_port = 0;
  };
  auto opts = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("servicebox", "Run the service box (I-S application server and HTTPS content)");
  cmd->add_option("--config", opts->config, "configuration file (default: embedded config/imsguard.yaml)");
  cmd->add_option("--data-dir", opts->data_dir, "override data_dir (state read for the revocation view)");
  cmd->add_option("--pki-dir", opts->pki_dir, "directory with ca.crt, servicebox.crt/.key, core.crt (default: <data_dir>/pki)");
  cmd->add_option("--core-cert", opts->core_cert, "the core's certificate: the only peer accepted (default: <pki>/core.crt)");
  auto* sip = cmd->add_option("--sip-port", opts->sip_port, "override servicebox.sip_listen port");
  auto* https = cmd->add_option("--https-port", opts->https_port, "override servicebox.https_listen port");
  cmd->add_option("--duration", opts->duration_s, "stop after this many seconds (0: until a signal)");
  cmd->callback([opts, sip, https] {
    auto loaded = opts->config.empty() ? imsguard::config::load_default() : imsguard::config::load_file(opts->config);
    if (!loaded.ok()) {
      for (const auto& e : loaded.errors) std::cerr << "config error: " << e.to_string() << "\n";
      imsguard::cli::exit_status() = 2;
      return;
    }
    auto config = std::move(*loaded.config);
    if (!opts->data_dir.empty()) config.data_dir = opts->data_dir;
    if (sip->count()) config.servicebox.sip_listen.port = opts->sip_port;
    if (https->count()) config.servicebox.https_listen.port = opts->https_port;
    std::string pki = opts->pki_dir.empty() ? config.data_dir + "/pki" : opts->pki_dir;
    auto files = imsguard::service::default_service_files(pki);
    if (!opts->core_cert.empty()) files.core_cert = opts->core_cert;
    // The standalone box is its own composition root: its counters (with the gauges and
    // histograms of its SIP server) and security events.
    imsguard::ops::CounterRegistry metrics;
    imsguard::ops::EventSink events;
    if (auto opened = events.open(config.events_output); !opened.ok()) {
      std::cerr << "imsguard servicebox: " << opened.message() << "\n";
      imsguard::cli::exit_status() = 2;
      return;
    }

    sigset_t stop_signals = imsguard::cli::block_stop_signals();

    imsguard::service::ServiceNode node(std::move(config), files, metrics, events);
    if (auto started = node.start(); !started.ok()) {
      std::cerr << "imsguard servicebox: " << started.message() << "\n";
      // 2: the configuration (missing certificate, unknown service); 1: a port in use, the store.
      imsguard::cli::exit_status() = imsguard::cli::exit_status_for(started.code());
      return;
    }
    std::cerr << "imsguard servicebox running\n" << node.banner() << std::flush;
    imsguard::cli::wait_for_stop(stop_signals, opts->duration_s);
    node.stop();
    std::cerr << "imsguard servicebox stopped\n" << std::flush;
  });
}};

}  // namespace
