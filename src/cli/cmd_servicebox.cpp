// `imsguard servicebox`: the service platform alone (SIP application server behind mutual
// TLS + HTTPS content server), for a deployment where it runs apart from the core. It reads
// the same data_dir state as the core for the revocation view (SQLite state).
#include "cli/command.h"
#include "config/config.h"
#include "edge/proxy.h"
#include "ops/events.h"
#include "service/core_router.h"
#include "service/service_node.h"

#include <signal.h>

#include <ctime>
#include <iostream>

namespace {

// The I-S roles inside `imsguard run`: certificates under <data_dir>/pki are created when
// missing (the core and the box share them in one process), the service box runs on the
// node's own stores, and the core's service routing is installed into the edge's proxy.
class RunServiceRoles final : public imsguard::edge::ServiceRoles {
 public:
  std::string start(const imsguard::config::Config& config, imsguard::store::SubscriberStore& subscribers,
                    imsguard::store::BindingStore& bindings) {
    std::string pki = config.data_dir + "/pki";
    if (auto err = imsguard::service::ensure_service_pki(
            pki, {config.servicebox.sip_listen.address, config.servicebox.https_listen.address});
        !err.empty())
      return err;
    auto files = imsguard::service::default_service_files(pki);
    if (config.has_role("servicebox")) {
      node_ = std::make_unique<imsguard::service::ServiceNode>(config, files);
      if (auto err = node_->start(&subscribers, &bindings); !err.empty()) return err;
    }
    if (config.has_role("core")) {
      std::string error;
      router_ = imsguard::service::CoreRouter::create(config, files, pki + "/core.key", subscribers, error);
      if (!router_) return "core service routing: " + error;
      imsguard::edge::set_service_router(router_.get());
    }
    return {};
  }
  void stop() override {
    imsguard::edge::set_service_router(nullptr);
    if (node_) node_->stop();
  }
  std::string banner() const override { return node_ ? node_->banner() : std::string(); }
  ~RunServiceRoles() override { stop(); }

 private:
  std::unique_ptr<imsguard::service::ServiceNode> node_;
  std::unique_ptr<imsguard::service::CoreRouter> router_;
};

[[maybe_unused]] const bool installed = [] {
  imsguard::edge::set_service_role_starter(
      [](const imsguard::config::Config& config, imsguard::store::SubscriberStore& subscribers,
         imsguard::store::BindingStore& bindings, std::string& error) -> std::unique_ptr<imsguard::edge::ServiceRoles> {
        auto roles = std::make_unique<RunServiceRoles>();
        error = roles->start(config, subscribers, bindings);
        if (!error.empty()) return nullptr;
        return roles;
      });
  return true;
}();

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
    if (auto err = imsguard::ops::events().open(config.events_output); !err.empty()) {
      std::cerr << "imsguard servicebox: " << err << "\n";
      imsguard::cli::exit_status() = 2;
      return;
    }

    sigset_t stop_signals = imsguard::cli::block_stop_signals();

    imsguard::service::ServiceNode node(std::move(config), files);
    if (auto err = node.start(); !err.empty()) {
      std::cerr << "imsguard servicebox: " << err << "\n";
      // Configuration problems (missing certificate, unknown service) are the usual cause.
      imsguard::cli::exit_status() = 2;
      return;
    }
    std::cerr << "imsguard servicebox running\n" << node.banner() << std::flush;
    imsguard::cli::wait_for_stop(stop_signals, opts->duration_s);
    node.stop();
    std::cerr << "imsguard servicebox stopped\n" << std::flush;
  });
}};

}  // namespace
