#pragma once
// The servicebox role assembled: SIP application server behind mutual TLS that accepts only
// the core's certificate, and the HTTPS content server, both over the state stores of
// data_dir for the revocation view. `imsguard servicebox` runs it alone; `imsguard run`
// runs it next to the edge/core when the config names the servicebox role.
#include <memory>
#include <string>

#include "common/status.h"
#include "config/config.h"
#include "ops/counters.h"
#include "ops/events.h"
#include "store/binding_store.h"
#include "store/subscriber_store.h"

namespace imsguard::service {

struct ServiceNodeFiles {
  std::string ca;           // private CA (verifies the core and signs our certificate)
  std::string cert, key;    // the service box's certificate (TLS server for SIP and HTTPS)
  std::string core_cert;    // the only certificate accepted as the core (pinned); its key signs assertions
};

// <pki>/ca.crt, <pki>/servicebox.{crt,key}, <pki>/core.crt
ServiceNodeFiles default_service_files(const std::string& pki_dir);

// Creates the CA, core and servicebox certificates in <pki_dir> when missing (one-process
// deployments, where the core and the box share the data directory). The box's certificate
// names loopback and `box_addresses` (its configured listen addresses), so clients of a box
// on another address can verify it. The PKI's code: kUnavailable when a file cannot be written.
Status ensure_service_pki(const std::string& pki_dir, const std::vector<std::string>& box_addresses = {});

class ServiceNode {
 public:
  // `metrics`, `events`: the owner's (app::Node's, or `imsguard servicebox`'s), outliving the
  // node; every part of the box (SIP server, media, content) reports into them.
  ServiceNode(config::Config config, ServiceNodeFiles files, ops::CounterRegistry& metrics, ops::EventSink& events);
  ~ServiceNode();
  ServiceNode(const ServiceNode&) = delete;
  ServiceNode& operator=(const ServiceNode&) = delete;

  // Checks the config (catalogue, certificates, every subscriber profile names known
  // services), opens state, binds both listeners. Nothing running on failure: kInvalid for the
  // configuration (catalogue, a profile naming an unknown service, an unusable certificate),
  // kNotFound for a missing certificate file, kUnavailable for a port in use or the state
  // store failing, kInternal when OpenSSL or libsrtp refuse.
  // With `subscribers`/`bindings` given (one process with the core), those stores are used
  // instead of opening data_dir's state a second time.
  Status start(store::SubscriberStore* subscribers = nullptr, store::BindingStore* bindings = nullptr);
  void stop();
  uint16_t sip_port() const;
  uint16_t https_port() const;
  std::string banner() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace imsguard::service
