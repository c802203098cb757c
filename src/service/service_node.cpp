#include "service/service_node.h"

#include "ops/counters.h"

#include <algorithm>

#include <sstream>

#include "net/pki.h"
#include "net/server.h"
#include "net/tls_context.h"
#include "service/catalog.h"
#include "service/content_server.h"
#include "service/media_service.h"
#include "service/peer_pin.h"
#include "service/revocation.h"
#include "service/service_box.h"
#include "store/state.h"

namespace imsguard::service {

struct ServiceNode::Impl {
  Impl(ops::CounterRegistry& m, ops::EventSink& e) : metrics(m), events(e) {}
  ops::CounterRegistry& metrics;
  ops::EventSink& events;
  config::Config config;
  ServiceNodeFiles files;
  store::StateStores state;
  std::unique_ptr<ServiceCatalog> catalog;
  std::unique_ptr<ServiceBox> box;
  std::unique_ptr<MediaService> media;
  std::unique_ptr<net::Server> sip;
  std::unique_ptr<ContentServer> content;
};

ServiceNodeFiles default_service_files(const std::string& pki) {
  return {pki + "/ca.crt", pki + "/servicebox.crt", pki + "/servicebox.key", pki + "/core.crt"};
}

namespace {

// The same failure, told where it happened; its code survives.
Status prefixed(std::string_view where, const Status& status) {
  return {status.code(), std::string(where) + status.message()};
}

}  // namespace

Status ensure_service_pki(const std::string& pki, const std::vector<std::string>& box_addresses) {
  if (Status r = net::pki_init(pki); !r.ok()) return prefixed("pki: ", r);
  for (const char* name : {"core", "servicebox"}) {
    if (net::file_exists(pki + "/" + name + ".crt")) continue;
    std::vector<std::string> sans{"127.0.0.1", "::1", "localhost"};
    if (std::string_view(name) == "servicebox")
      for (const auto& a : box_addresses)
        if (!a.empty() && a != "0.0.0.0" && a != "::" && std::find(sans.begin(), sans.end(), a) == sans.end())
          sans.push_back(a);
    if (Status r = net::pki_issue(pki, name, sans, false); !r.ok()) return prefixed("pki: ", r);
  }
  return {};
}

ServiceNode::ServiceNode(config::Config config, ServiceNodeFiles files, ops::CounterRegistry& metrics,
                         ops::EventSink& events)
    : impl_(std::make_unique<Impl>(metrics, events)) {
  impl_->config = std::move(config);
  impl_->files = std::move(files);
}

ServiceNode::~ServiceNode() { stop(); }

Status ServiceNode::start(store::SubscriberStore* shared_subscribers, store::BindingStore* shared_bindings) {
  auto& n = *impl_;
  const auto& sb = n.config.servicebox;
  n.catalog = std::make_unique<ServiceCatalog>(sb, n.config.sip.domain);
  if (Status valid = n.catalog->validate(); !valid.ok()) return valid;
  for (const auto* path : {&n.files.ca, &n.files.cert, &n.files.key, &n.files.core_cert}) {
    if (!net::file_exists(*path))
      return not_found_error("servicebox: missing certificate file " + *path +
                             " (create it with `imsguard pki init` / `imsguard pki issue`, or point --pki-dir at it)");
  }
  auto core_key = Es256Key::load_certificate(n.files.core_cert);
  if (!core_key.ok()) return prefixed("servicebox: core certificate: ", core_key.status());
  auto pin = certificate_fingerprint(n.files.core_cert);
  if (!pin.ok()) return prefixed("servicebox: ", pin.status());

  if (!shared_subscribers || !shared_bindings) {
    auto state = store::open_state(n.config.state, n.config.data_dir, n.metrics, n.events);
    if (!state.ok()) return prefixed("state: ", state.status());
    n.state = std::move(state.value());
    shared_subscribers = n.state.subscribers.get();
    shared_bindings = n.state.bindings.get();
  }
  // Every service a subscriber may use must exist: a typo in a profile would otherwise be
  // found only when that subscriber is refused.
  for (size_t offset = 0;; offset += 500) {
    auto page = shared_subscribers->list(offset, 500);
    if (!page.ok()) return prefixed("state: ", page.status());
    for (const auto& s : page.value()) {
      if (Status known = n.catalog->unknown_services(s.services); !known.ok())
        return invalid_argument("subscriber " + s.impi + ": " + known.message() +
                                " (servicebox.services lists the known ones)");
    }
    if (page.value().size() < 500) break;
  }

  auto tls = net::make_tls_context({n.files.ca, n.files.cert, n.files.key, n.config.tls.min_version},
                                   net::TlsRole::kServer, sb.require_mtls);
  if (!tls.ok()) return prefixed("servicebox tls: ", tls.status());
  if (sb.require_mtls) pin_peer_certificate(**tls, *pin);

  ServiceBoxOptions box_opts;
  box_opts.require_signed_assertion = sb.require_signed_assertion;
  box_opts.domain = n.config.sip.domain;
  // The media source answers the INVITE services (RTP/SRTP from the SIP listen address).
  MediaServiceOptions media_opts;
  media_opts.media = n.config.media;
  media_opts.media_address = sb.sip_listen.address;
  n.media = std::make_unique<MediaService>(media_opts, n.metrics, n.events);
  if (Status media_started = n.media->start(); !media_started.ok()) return prefixed("servicebox ", media_started);
  box_opts.media = n.media.get();
  n.box = std::make_unique<ServiceBox>(*n.catalog, *core_key, box_opts, n.events);
  net::ServerOptions opts;
  opts.listeners = {config::Listener{config::Transport::kTls, sb.sip_listen.address, sb.sip_listen.port}};
  opts.connections = n.config.connections;
  opts.limits = n.config.sip.limits;
  opts.tls = tls.value();
  n.sip = std::make_unique<net::Server>(opts, n.metrics);
  if (Status started = n.sip->start(*n.box); !started.ok()) {
    n.media->stop();
    return prefixed("servicebox sip: ", started);
  }

  n.content = std::make_unique<ContentServer>(*n.catalog, *core_key,
                                              store_revocation_view(*shared_subscribers, *shared_bindings), n.events);
  ContentServerOptions copts{sb.https_listen.address, sb.https_listen.port, n.files.cert, n.files.key};
  if (Status started = n.content->start(copts); !started.ok()) {
    n.sip->stop();
    n.media->stop();
    return started;
  }
  return {};
}

void ServiceNode::stop() {
  if (!impl_) return;
  if (impl_->content) impl_->content->stop();
  if (impl_->sip) impl_->sip->stop();
  if (impl_->media) impl_->media->stop();
}

uint16_t ServiceNode::sip_port() const { return impl_->sip ? impl_->sip->bound_port(0) : 0; }
uint16_t ServiceNode::https_port() const { return impl_->content ? impl_->content->port() : 0; }

std::string ServiceNode::banner() const {
  std::ostringstream out;
  const auto& sb = impl_->config.servicebox;
  out << "servicebox sip: tls " << sb.sip_listen.address << ":" << sip_port()
      << (sb.require_mtls ? " (mutual TLS, core certificate pinned)" : " (no client certificate required)") << "\n"
      << "servicebox https: " << sb.https_listen.address << ":" << https_port() << "\n services:";
  for (const auto& e : impl_->catalog->entries()) out << " " << e.name << "(" << e.method << ")";
  out << "\n";
  return out.str();
}

}  // namespace imsguard::service
