#pragma once
// A running imsguard process: the roles of one config assembled (state, PKI, registrar,
// edge, transports), started and stopped as a unit. `imsguard run` is a thin shell over it.
#include "config/config.h"

#include <memory>
#include <string>

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

  // Human-readable lines describing what is listening and how to register the demo users.
  std::string banner() const;
  // Counter snapshot for the shutdown log.
  std::string counters_summary() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace imsguard::edge
