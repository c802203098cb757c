#include "app/node.h"

#include "config/effective.h"
#include "config/schema.h"
#include "crypto/hex.h"
#include "edge/binding_cache.h"
#include "edge/edge.h"
#include "edge/node_admin.h"
#include "edge/proxy.h"
#include "edge/registrar.h"
#include "edge/subscriber_cache.h"
#include "guard/chain.h"
#include "guard/overload.h"
#include "guard/failure_queue.h"
#include "guard/state_sync.h"
#include "net/pki.h"
#include "net/server.h"
#include "net/tls_context.h"
#include "ops/counters.h"
#include "ops/admin_server.h"
#include "ops/events.h"
#include "ops/exposition.h"
#include "ops/gauges.h"
#include "service/core_router.h"
#include "service/service_node.h"
#include "store/provisioning.h"
#include "store/state.h"

#include <fcntl.h>
#include <algorithm>
#include <sys/statvfs.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sstream>

namespace imsguard::app {

using edge::CachedSubscriberStore;
using edge::Edge;
using edge::EdgeDeps;
using edge::NodeAdmin;
using edge::Proxy;
using edge::Registrar;
using edge::RegistrarDeps;
using edge::WriteBehindBindingStore;

struct Node::Impl {
  config::Config config;
  // This node's counters (with its gauges and histograms) and security events: every role
  // gets these (no process-wide ones), so two nodes in one process keep their own figures.
  // Declared first: destroyed last.
  ops::CounterRegistry metrics;
  ops::EventSink events;
  store::StateStores state;
  // The registration path's views of the state (see subscriber_cache.h, binding_cache.h).
  std::unique_ptr<CachedSubscriberStore> subscriber_cache;
  std::unique_ptr<WriteBehindBindingStore> binding_cache;
  // The brute-force guard's cross-edge failure counts (shared state store only): built before
  // the chain that hands it to the guard, drained by state_sync, outlives both.
  std::unique_ptr<guard::FailureQueue> shared_failures;
  std::unique_ptr<guard::Chain> guards;  // outlives the edge and the transports that call it
  std::unique_ptr<Registrar> registrar;
  std::unique_ptr<Edge> edge;
  std::unique_ptr<net::Server> server;
  bool demo = false;      // seed demo subscribers into an empty store (Node's constructor)
  std::string demo_file;  // set only when the file exists
  std::vector<std::string> demo_lines;
  // The I-S roles: the service box (servicebox role) and the core's service routing (core role).
  std::unique_ptr<service::ServiceNode> service_box;
  std::unique_ptr<service::CoreRouter> service_router;
  store::BindingStore* bindings = nullptr;  // what the registrar uses (the cache or the store)
  // The admin API (admin.token set): metrics and ban/registration/subscriber views.
  std::unique_ptr<NodeAdmin> admin_backend;
  std::unique_ptr<ops::AdminRouter> admin_router;
  std::unique_ptr<ops::AdminServer> admin_server;
  std::vector<ops::SampledGauge> gauges;
  // Bans (and, with Redis, lockouts) to and from the state store; stopped before the chain.
  std::unique_ptr<guard::StateSync> state_sync;
};

namespace {

// A failure with where it happened in front of its message, keeping its code.
Status prefixed(std::string_view where, const Status& status) {
  return Status(status.code(), std::string(where) + status.message());
}

// Empty when the CSPRNG failed: a demo secret is never made of predictable bytes.
std::string random_hex(size_t bytes) {
  std::vector<uint8_t> buf(bytes);
  if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1) return {};
  return crypto::to_hex(buf);
}

// Demo mode only (the embedded default configuration, or `run --demo`), into an empty store:
// one digest and one AKA subscriber with random secrets, written to a 0600 file in the data
// directory (never to the log), so a newcomer can register at once. A store that a config
// file names never gets them: a production store must hold no account nobody provisioned.
std::string seed_demo_subscribers(Node::Impl& n) {
  std::string file = n.config.data_dir + "/demo-subscribers.txt";
  auto count = n.state.subscribers->count();
  if (!count.ok()) return "cannot read the subscriber store: " + count.message();
  if (count.value() > 0) {
    if (std::filesystem::exists(file)) n.demo_file = file;  // seeded by an earlier demo start
    return {};
  }
  n.demo_file = file;
  const std::string& realm = n.config.auth.realm;
  const std::string& domain = n.config.sip.domain;
  store::ProvisioningOptions opts;
  opts.realm = realm;

  store::SubscriberSpec digest;
  digest.impi = "alice@" + domain;
  digest.impus = {"sip:alice@" + domain};
  digest.password = random_hex(8);
  digest.services = {"messaging", "media", "content"};

  store::SubscriberSpec aka;
  aka.impi = "bob@" + domain;
  aka.impus = {"sip:bob@" + domain};
  aka.k = random_hex(16);
  aka.opc = random_hex(16);
  aka.amf = "0000";
  aka.sqn = "0";
  aka.services = {"messaging", "media"};
  if (digest.password.empty() || aka.k.empty() || aka.opc.empty())
    return "no randomness for the demo subscribers' secrets (RAND_bytes failed)";

  for (const auto* spec : {&digest, &aka}) {
    auto sub = store::build_subscriber(*spec, opts);
    if (!sub.ok()) return "cannot build demo subscriber: " + sub.message();
    auto added = n.state.subscribers->add(sub.value());
    if (!added.ok()) return "cannot add demo subscriber: " + added.message();
  }
  std::ostringstream text;
  text << "# imsguard demo subscribers (created on first start; secrets are random)\n"
       << "digest impi=" << digest.impi << " impu=" << digest.impus[0] << " realm=" << realm
       << " password=" << digest.password << "\n"
       << "aka impi=" << aka.impi << " impu=" << aka.impus[0] << " realm=" << realm << " k=" << aka.k
       << " opc=" << aka.opc << " amf=" << aka.amf << "\n";
  int fd = ::open(n.demo_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return "cannot write " + n.demo_file;
  std::string s = text.str();
  bool ok = ::write(fd, s.data(), s.size()) == static_cast<ssize_t>(s.size());
  ::close(fd);
  if (!ok) return "cannot write " + n.demo_file;
  return {};
}

// The certificate files the SIP TLS listener uses: the configured ones, or the private CA's
// edge certificate under data_dir/pki (created on first start).
Status tls_files(const config::Config& c, net::TlsFiles& files) {
  files = {c.tls.ca, c.tls.cert, c.tls.key, c.tls.min_version};
  if (!files.cert.empty()) return {};
  std::string pki = c.data_dir + "/pki";
  if (auto r = net::pki_init(pki); !r.ok()) return prefixed("pki: ", r);
  if (!net::file_exists(pki + "/edge.crt")) {
    // The addresses of the TLS listeners too, so that a client of an edge on another address
    // can verify the generated certificate.
    std::vector<std::string> sans{"127.0.0.1", "::1", "localhost", c.sip.domain};
    for (const auto& l : c.sip.listen)
      if (l.transport == config::Transport::kTls && l.address != "0.0.0.0" && l.address != "::" &&
          std::find(sans.begin(), sans.end(), l.address) == sans.end())
        sans.push_back(l.address);
    if (auto r = net::pki_issue(pki, "edge", sans, false); !r.ok()) return prefixed("pki: ", r);
  }
  files = {pki + "/ca.crt", pki + "/edge.crt", pki + "/edge.key", c.tls.min_version};
  return {};
}

// Why imsguard could not write its state in `data_dir` ("" when it can): the store, the flow
// key and the PKI all live there, and SQLite would open a read-only file without a word and
// fail on the first registration instead of at start.
std::string read_only(const std::string& data_dir) {
  const std::string db = store::database_path(data_dir);
  struct statvfs vfs {};
  if (::statvfs(data_dir.c_str(), &vfs) == 0 && (vfs.f_flag & ST_RDONLY))
    return data_dir + " is read-only (read-only file system; the state " + db + " must be writable)";
  if (::access(data_dir.c_str(), W_OK | X_OK) != 0)
    return data_dir + " is read-only for this user (" + std::strerror(errno) + ")";
  if (::access(db.c_str(), F_OK) == 0 && ::access(db.c_str(), W_OK) != 0)
    return db + " is read-only for this user (" + std::strerror(errno) + ")";
  return {};
}

// The admin listener and the gauges sampled from this node's tables.
Status start_admin(Node::Impl& n) {
  const auto& c = n.config;
  n.gauges.push_back(n.metrics.gauges().sample("imsguard_guard_bans_active", "bans in force (expired ones until swept)",
                                               [g = n.guards.get()] { return static_cast<double>(g->bans().size()); }));
  n.gauges.push_back(n.metrics.gauges().sample("imsguard_messages_inflight", "SIP messages being handled now", [g = n.guards.get()] {
    auto* load = g->load_tracker();
    return load ? static_cast<double>(load->inflight()) : 0.0;
  }));
  n.gauges.push_back(n.metrics.gauges().sample("imsguard_guard_memory_bytes",
                                               "bytes the guards' tables hold (the flood sketches: guards.flood.memory_budget_kb)",
                                               [g = n.guards.get()] { return static_cast<double>(g->memory_bytes()); }));
  if (c.admin.token.empty()) return {};  // the admin API is off
  if (c.admin.token.size() < 16)
    return invalid_argument("admin.token: too short (at least 16 characters; e.g. `openssl rand -hex 32`)");
  n.admin_backend = std::make_unique<NodeAdmin>(*n.guards, *n.bindings, *n.state.subscribers);
  n.admin_backend->set_config(c);
  n.admin_backend->set_registrar(n.registrar.get());
  n.admin_router = std::make_unique<ops::AdminRouter>(c.admin.token, *n.admin_backend, n.metrics);
  n.admin_server = std::make_unique<ops::AdminServer>(*n.admin_router);
  if (Status s = n.admin_server->start(c.admin.listen.address, c.admin.listen.port); !s.ok()) return s;
  return {};
}


}  // namespace

std::optional<spdlog::level::level_enum> log_level(std::string_view name) {
  if (name == "trace") return spdlog::level::trace;
  if (name == "debug") return spdlog::level::debug;
  if (name == "info") return spdlog::level::info;
  if (name == "warn") return spdlog::level::warn;
  if (name == "error") return spdlog::level::err;
  return std::nullopt;
}

Node::Node(config::Config config, bool demo) : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  impl_->demo = demo;
}

Node::~Node() { stop(); }

namespace {

// The I-S roles inside `imsguard run`: certificates under <data_dir>/pki are created when
// missing (the core and the box share them in one process), the service box runs on the
// node's own stores, and the core's service router goes to the edge's constructor.
Status start_service_roles(Node::Impl& n, store::BindingStore& bindings) {
  const auto& c = n.config;
  if (!c.has_role("servicebox") && !c.has_role("core")) return {};
  std::string pki = c.data_dir + "/pki";
  if (Status made = service::ensure_service_pki(
          pki, {c.servicebox.sip_listen.address, c.servicebox.https_listen.address});
      !made.ok())
    return made;
  auto files = service::default_service_files(pki);
  if (c.has_role("servicebox")) {
    n.service_box = std::make_unique<service::ServiceNode>(c, files, n.metrics, n.events);
    if (auto started = n.service_box->start(n.subscriber_cache.get(), &bindings); !started.ok())
      return started;
  }
  if (c.has_role("core")) {
    auto router = service::CoreRouter::create(c, files, pki + "/core.key", *n.subscriber_cache, n.metrics, n.events);
    if (!router.ok()) return prefixed("core service routing: ", router.status());
    n.service_router = std::move(router).value();
  }
  return {};
}

// Everything start() does; on an error what was made so far stays for start() to undo.
Status start_parts(Node::Impl& n) {
  auto& c = n.config;
  auto level = log_level(c.log_level);
  if (!level) return invalid_argument("log.level: unknown level '" + c.log_level + "'");
  spdlog::set_level(*level);
  spdlog::flush_on(spdlog::level::trace);  // a log file shows each line when it happens
  if (Status opened = n.events.open(c.events_output); !opened.ok()) return opened;

  if (auto core = Proxy::parse_core(c.core.scscf); !core.ok()) return core.status();
  if (Status s = Proxy::check_peer_key(c); !s.ok()) return s;

  auto dir = store::ensure_private_dir(c.data_dir);
  if (!dir.ok()) return prefixed("data_dir: ", dir.status());
  if (auto why = read_only(c.data_dir); !why.empty()) return unavailable_error("data_dir: " + why);
  if (auto key = store::load_or_create_secret(Proxy::flow_key_path(c.data_dir), 32); !key.ok())
    return prefixed("data_dir: ", key.status());
  auto state = store::open_state(c.state, c.data_dir, n.metrics, n.events);
  if (!state.ok()) return prefixed("state: ", state.status());
  n.state = std::move(state.value());
  if (n.demo)
    if (auto err = seed_demo_subscribers(n); !err.empty()) return unavailable_error(std::move(err));
  n.subscriber_cache = std::make_unique<CachedSubscriberStore>(n.metrics, *n.state.subscribers, c.registrar.subscriber_cache_ms);
  store::BindingStore* bindings = n.state.bindings.get();
  if (c.state == "sqlite" && c.registrar.binding_flush_ms > 0) {
    auto cache = WriteBehindBindingStore::create(n.metrics, n.events, *n.state.bindings, c.registrar.binding_flush_ms);
    if (!cache.ok()) return prefixed("state: ", cache.status());
    n.binding_cache = std::move(cache).value();
    bindings = n.binding_cache.get();
  }

  net::ServerOptions opts;
  opts.listeners = c.sip.listen;
  opts.connections = c.connections;
  opts.limits = c.sip.limits;
  opts.workers = c.sip.workers;
  if (c.has_listener(config::Transport::kTls)) {
    net::TlsFiles files;
    if (Status s = tls_files(c, files); !s.ok()) return s;
    auto tls = net::make_tls_context(files, net::TlsRole::kServer, false);
    if (!tls.ok()) return prefixed("tls: ", tls.status());
    opts.tls = tls.value();
  }

  if (Status s = start_service_roles(n, *bindings); !s.ok()) return s;
  // Everything the edge works with exists before it: the guards, the registrar, the
  // transports it sends on (they start receiving only once the edge exists).
  // One monotonic clock for the guards, their state sync and the edge's transaction tables.
  const guard::Clock clock = &guard::steady_now_ms;
  if (n.state.guard && n.state.guard->shared()) n.shared_failures = std::make_unique<guard::FailureQueue>();
  auto guards = guard::Chain::create(c, guard::ChainDeps{clock, n.shared_failures.get(), &n.metrics, &n.events});
  if (!guards.ok()) return prefixed("guards: ", guards.status());
  n.guards = std::move(guards).value();
  if (Status s = n.guards->start_control(c.data_dir + "/control.sock"); !s.ok()) return s;
  if (n.state.guard) {
    n.state_sync = std::make_unique<guard::StateSync>(*n.guards, *n.state.guard, n.shared_failures.get());
    if (Status s = n.state_sync->start(); !s.ok()) return prefixed("state: ", s);
  }
  n.registrar = std::make_unique<Registrar>(c, *n.subscriber_cache, *bindings, RegistrarDeps{n.guards.get(), &n.metrics, &n.events});
  if (!n.registrar->ready()) return internal_error("registrar: no authenticator (see the log)");
  n.server = std::make_unique<net::Server>(opts, n.metrics);
  EdgeDeps deps;
  deps.registrar = n.registrar.get();
  deps.guards = n.guards.get();
  deps.sender = n.server.get();
  deps.services = n.service_router.get();
  deps.metrics = &n.metrics;
  deps.events = &n.events;
  deps.clock = clock;
  n.edge = std::make_unique<Edge>(c, std::move(deps));
  if (Status s = n.server->start(*n.edge); !s.ok()) return prefixed("cannot listen: ", s);
  n.bindings = bindings;
  return start_admin(n);
}

}  // namespace

Status Node::start() {
  // A start that fails leaves no half-made data directory behind: one this start created is
  // removed again, so the next attempt (or check-config) sees the same state as this one.
  const std::string dir = impl_->config.data_dir;
  std::error_code ec;
  const bool existed = std::filesystem::exists(dir, ec);
  Status status = start_parts(*impl_);
  if (!status.ok()) {
    stop();
    if (!existed && std::filesystem::exists(dir, ec)) std::filesystem::remove_all(dir, ec);
  }
  return status;
}

Node::ReloadReport Node::reload(const config::Config& next) {
  auto& n = *impl_;
  ReloadReport report;
  if (!n.guards || !n.server) {
    report.error = Status(Code::kUnavailable, "not running");
    return report;
  }
  const config::Config before = n.config;
  const auto& c = n.config;
  // Prepare everything first, then apply: a refused reload changes nothing.
  std::shared_ptr<asio::ssl::context> tls;
  if (c.has_listener(config::Transport::kTls)) {
    net::TlsFiles files;
    config::Config where = next;
    where.data_dir = c.data_dir;             // the PKI of the running data directory
    where.tls.min_version = c.tls.min_version;  // restart-only (the service box uses it too)
    if (Status s = tls_files(where, files); !s.ok()) {
      report.error = prefixed("tls: ", s);
      return report;
    }
    auto made = net::make_tls_context(files, net::TlsRole::kServer, false);
    if (!made.ok()) {
      report.error = prefixed("tls: ", made.status());
      return report;
    }
    tls = made.value();
  }
  for (const auto& p : next.guards.flood.allowlist)
    if (auto prefix = guard::parse_prefix(p); !prefix.ok()) {
      report.error = prefixed("guards.flood.allowlist: ", prefix.status());
      return report;
    }
  auto level = log_level(next.log_level);
  if (!level) {
    report.error = invalid_argument("log.level: unknown level '" + next.log_level + "'");
    return report;
  }
  if (next.events_output != c.events_output) {
    if (Status opened = n.events.open(next.events_output); !opened.ok()) {
      report.error = prefixed("events.output: ", opened);
      (void)n.events.open(c.events_output);
      return report;
    }
  } else if (Status opened = n.events.open(c.events_output); !opened.ok()) {
    // Same file reopened: a rotated log gets a fresh file.
    report.notes.push_back("events.output: cannot reopen: " + opened.message());
  }
  auto guards = n.guards->reload(next);
  if (!guards.error.ok()) {
    report.error = prefixed("guards: ", guards.error);
    return report;
  }
  report.notes.insert(report.notes.end(), guards.notes.begin(), guards.notes.end());
  if (tls) {
    n.server->set_tls_context(tls);
    report.notes.push_back("tls: certificate files re-read for new connections");
  }
  spdlog::set_level(*level);
  // What is in force now: the keys the schema marks reloadable and nothing else.
  n.config.guards = n.guards->settings();
  n.config.tls.ca = next.tls.ca;
  n.config.tls.cert = next.tls.cert;
  n.config.tls.key = next.tls.key;
  n.config.events_output = next.events_output;
  n.config.log_level = next.log_level;
  if (n.admin_backend) n.admin_backend->set_config(n.config);
  report.applied = config::changed_keys(before, n.config);
  report.restart = config::changed_keys(n.config, next);
  for (const auto& key : report.applied)
    if (!config::reloadable(key)) report.notes.push_back(key + ": applied although the schema says restart (a bug)");
  for (const auto& key : report.restart)
    if (config::reloadable(key)) report.notes.push_back(key + ": marked reloadable but not applied (a bug)");
  return report;
}

ops::CounterRegistry& Node::metrics() { return impl_->metrics; }

ops::EventSink& Node::events() { return impl_->events; }

uint16_t Node::admin_port() const { return impl_->admin_server ? impl_->admin_server->port() : 0; }

void Node::stop() {
  if (impl_ && impl_->admin_server) impl_->admin_server->stop();
  if (impl_) impl_->gauges.clear();
  if (impl_ && impl_->edge) impl_->edge->stop_timers();  // they send through the server
  if (impl_ && impl_->service_router) impl_->service_router->stop();  // its late answers too
  if (impl_ && impl_->server) impl_->server->stop();
  if (impl_ && impl_->service_box) impl_->service_box->stop();
  if (impl_ && impl_->guards) impl_->guards->stop_control();
  if (impl_ && impl_->state_sync) impl_->state_sync->stop();  // bans reach the store
  if (impl_ && impl_->binding_cache) impl_->binding_cache->flush();  // every binding reaches the store
}

std::string Node::banner() const {
  std::ostringstream out;
  const auto& c = impl_->config;
  for (size_t i = 0; i < c.sip.listen.size(); ++i) {
    const auto& l = c.sip.listen[i];
    out << "listening: " << config::transport_name(l.transport) << " " << l.address << ":"
        << (impl_->server ? impl_->server->bound_port(i) : l.port) << "\n";
  }
  if (c.core.scscf != "embedded") out << "registration and routing by the external S-CSCF " << c.core.scscf << "\n";
  out << "domain " << c.sip.domain << ", realm " << c.auth.realm << "\n";
  if (c.state == "memory") out << "state: in memory (nothing survives a restart); data directory " << c.data_dir << "\n";
  else if (c.state == "sqlite") out << "state: " << store::database_path(c.data_dir) << "\n";
  else out << "state: shared (Redis, the URL of the config's state key), subscribers in " << store::database_path(c.data_dir) << "\n";
  if (c.events_output == "none") out << "security events: off (events.output: none)\n";
  else out << "security events: " << c.events_output << "\n";
  if (!impl_->demo_file.empty())
    out << "demo subscribers (digest and IMS AKA credentials): " << impl_->demo_file << "\n";
  if (impl_->service_box) out << impl_->service_box->banner();
  if (impl_->admin_server)
    out << "admin API and metrics: http://" << c.admin.listen.address << ":" << impl_->admin_server->port()
        << "/metrics (Authorization: Bearer <admin.token>)\n";
  else
    out << "admin API off (set admin.token to enable it)\n";
  return out.str();
}

std::string Node::counters_summary() const {
  std::ostringstream out;
  for (const auto& r : impl_->metrics.rows())
    if (r.value) out << r.name << " " << r.value << "\n";
  return out.str();
}

}  // namespace imsguard::app
