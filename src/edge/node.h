#pragma once
// A running imsguard process: the roles of one config assembled (state, PKI, registrar,
// edge, transports), started and stopped as a unit. `imsguard run` is a thin shell over it.
#include "config/config.h"

#include <memory>
#include <string>
#include <vector>

namespace imsguard::edge {

class Node {
 public:
  explicit Node(config::Config config);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Opens state, prepares certificates, seeds the demo subscribers on first start, binds
  // the listeners. Returns an error message (nothing keeps running) on failure.
  std::string start();
  void stop();

  // SIGHUP: applies the reloadable parts of `next` (guard thresholds and allowlists, the TLS
  // certificate for new connections, the event output) without touching registrations or
  // open connections. A config that cannot be applied (bad allowlist entry, unreadable
  // certificate) is refused as a whole: `error` says why and the running settings stay.
  // `notes` says what changed and which changed keys need a restart.
  struct ReloadReport {
    std::string error;
    std::vector<std::string> notes;
  };
  ReloadReport reload(const config::Config& next);

  // The admin HTTP port actually bound (0 when the admin API is off: admin.token empty).
  uint16_t admin_port() const;

  // Human-readable lines describing what is listening and how to register the demo users.
  std::string banner() const;
  // Counter snapshot for the shutdown log.
  std::string counters_summary() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace imsguard::edge
