#pragma once
// The composition root: a running imsguard process, every role of one config (state, PKI,
// guards, registrar, edge, transports, the service box and the core's service routing,
// the admin API) built here with its dependencies passed to its constructor, started and
// stopped as a unit. Nothing below src/app finds a collaborator through a global or is
// finished by a setter. `imsguard run` is a thin shell over it.
#include "common/status.h"
#include "config/config.h"

#include <spdlog/common.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace imsguard::ops {
class CounterRegistry;
class EventSink;
}  // namespace imsguard::ops

namespace imsguard::app {

// "trace" ... "error" (log.level) as an spdlog level; nullopt for anything else.
std::optional<spdlog::level::level_enum> log_level(std::string_view name);

class Node {
 public:
  // `demo`: seed two demo subscribers into an empty store (the embedded default config, or
  // `run --demo`); never for a store a config file names unless asked.
  explicit Node(config::Config config, bool demo = false);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Opens state, prepares certificates, seeds the demo subscribers (demo mode, empty store),
  // binds the listeners. On failure nothing keeps running, and a data directory this start
  // created is removed again. kInvalid: the configuration cannot work (a key, a certificate
  // file); kUnavailable: the system refused (a port in use, Redis down, a read-only data_dir).
  Status start();
  void stop();

  // SIGHUP: applies the keys the schema marks reloadable (config/schema.h: log level, event
  // output, TLS certificate files for new connections, guards) without touching
  // registrations or open connections. A config that cannot be applied (bad allowlist entry, unreadable
  // certificate) is refused as a whole: `error` says why and the running settings stay.
  // The report is an outcome, not an error: a reload also has notes and keys applied.
  // `applied` and `restart` are the changed keys, compared with what is in force afterwards:
  // a key is listed as applied only if the running configuration now has its new value.
  struct ReloadReport {
    Status error;  // not ok: refused as a whole
    std::vector<std::string> notes;    // details (which guards were rebuilt, ...)
    std::vector<std::string> applied;  // changed keys now in force
    std::vector<std::string> restart;  // changed keys that apply only after a restart
  };
  ReloadReport reload(const config::Config& next);

  // The admin HTTP port actually bound (0 when the admin API is off: admin.token empty).
  uint16_t admin_port() const;

  // Human-readable lines describing what is listening and how to register the demo users.
  std::string banner() const;
  // This node's counter registry (with its gauges and histograms: what /metrics prints) and
  // security event sink (every role of the node reports into these; `imsguard run` writes
  // its reload events to the sink).
  ops::CounterRegistry& metrics();
  ops::EventSink& events();
  // Counter snapshot for the shutdown log.
  std::string counters_summary() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace imsguard::app
