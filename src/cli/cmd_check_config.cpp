// `imsguard check-config [FILE] [--effective | --schema-markdown]`: validates a configuration and lists every
// error with its key path, line and a hint (exit status 2). Beyond the loader's checks of
// each key and the rules between keys, it checks what `imsguard run` would fail on at start
// on this host: listener addresses, certificate files and their key, the data directory and
// event file, the services the stored subscribers use, the external S-CSCF address.
// --effective prints the configuration the file gives, every default filled in;
// --schema-markdown prints the key table of docs/configuration.md (from config/schema.h).
#include "cli/command.h"
#include "config/config.h"
#include "config/effective.h"
#include "config/schema.h"
#include "edge/proxy.h"
#include "net/tls_context.h"
#include "service/catalog.h"
#include "store/sqlite_subscriber_store.h"
#include "store/state.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

namespace {

using imsguard::config::Config;
using imsguard::config::Transport;

struct Findings {
  std::vector<std::string> errors, warnings;
};

// An address this host can bind (port 0: a free one, so a running imsguard does not count),
// and whether `port` is free now (a warning only: the running edge itself holds it).
void check_bind(Findings& f, const std::string& key, Transport t, const std::string& address, uint16_t port) {
  std::string where = key + " (" + std::string(imsguard::config::transport_name(t)) + " " + address + ":" +
                      std::to_string(port) + ")";
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    len = sizeof *v6;
  } else {
    f.errors.push_back(where + ": '" + address + "' is not an IP address (host names are not resolved)");
    return;
  }
  auto try_bind = [&](uint16_t p) {
    int fd = ::socket(ss.ss_family, t == Transport::kUdp ? SOCK_DGRAM : SOCK_STREAM, 0);
    if (fd < 0) return errno;
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ss.ss_family == AF_INET) v4->sin_port = htons(p);
    else v6->sin6_port = htons(p);
    int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0 ? 0 : errno;
    ::close(fd);
    return rc;
  };
  if (int err = try_bind(0); err != 0) {
    f.errors.push_back(where + ": cannot bind " + address + ": " + std::strerror(err) +
                       (err == EADDRNOTAVAIL ? " (not an address of this host)" : ""));
    return;
  }
  if (port != 0)
    if (int err = try_bind(port); err != 0)
      f.warnings.push_back(where + ": port " + std::to_string(port) + " is not free now (" + std::strerror(err) +
                           "): `run` fails unless it is this configuration's running imsguard");
}

bool read_only_fs(const std::string& path) {
  struct statvfs vfs {};
  return ::statvfs(path.c_str(), &vfs) == 0 && (vfs.f_flag & ST_RDONLY);
}

// A directory `run` must write in: the directory itself if it exists, else its nearest parent.
void check_writable_dir(Findings& f, const std::string& key, const std::string& dir) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(dir, ec);
  if (std::filesystem::exists(p, ec) && !std::filesystem::is_directory(p, ec)) {
    f.errors.push_back(key + ": " + dir + " exists and is not a directory");
    return;
  }
  while (!p.empty() && !std::filesystem::exists(p, ec)) p = p.parent_path();
  std::string at = p.string();
  if (!std::filesystem::is_directory(p, ec)) f.errors.push_back(key + ": " + at + " is not a directory (cannot create " + dir + ")");
  else if (read_only_fs(at)) f.errors.push_back(key + ": " + at + " is on a read-only file system");
  else if (::access(at.c_str(), W_OK | X_OK) != 0) f.errors.push_back(key + ": " + at + " is not writable (" + std::strerror(errno) + ")");
}

void check_events(Findings& f, const std::string& output) {
  if (output == "stdout" || output == "none") return;
  std::error_code ec;
  std::filesystem::path p(output);
  if (std::filesystem::exists(p, ec)) {
    if (read_only_fs(output)) f.errors.push_back("events.output: " + output + " is on a read-only file system");
    else if (::access(output.c_str(), W_OK) != 0)
      f.errors.push_back("events.output: " + output + " is not writable (" + std::strerror(errno) + ")");
    return;
  }
  std::filesystem::path parent = p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::is_directory(parent, ec))
    f.errors.push_back("events.output: the directory " + parent.string() +
                       " does not exist (`run` opens the event file before it creates data_dir)");
  else if (read_only_fs(parent.string()))
    f.errors.push_back("events.output: " + parent.string() + " is on a read-only file system");
  else if (::access(parent.string().c_str(), W_OK | X_OK) != 0)
    f.errors.push_back("events.output: cannot create a file in " + parent.string() + " (" + std::strerror(errno) + ")");
}

void check_tls(Findings& f, const Config& c) {
  if (!c.has_listener(Transport::kTls) || (c.tls.cert.empty() && c.tls.key.empty())) return;  // generated PKI
  bool files_ok = true;
  for (auto [key, path] : {std::pair{"tls.cert", &c.tls.cert}, {"tls.key", &c.tls.key}, {"tls.ca", &c.tls.ca}}) {
    if (path->empty()) {
      if (std::string(key) != "tls.ca") {
        f.errors.push_back(std::string(key) + ": empty while the other of tls.cert/tls.key is set");
        files_ok = false;
      }
      continue;
    }
    if (::access(path->c_str(), R_OK) != 0) {
      f.errors.push_back(std::string(key) + ": cannot read " + *path + " (" + std::strerror(errno) + ")");
      files_ok = false;
    }
  }
  if (!files_ok) return;
  auto made = imsguard::net::make_tls_context({c.tls.ca, c.tls.cert, c.tls.key, c.tls.min_version},
                                              imsguard::net::TlsRole::kServer, false);
  if (!made.ok()) f.errors.push_back("tls: " + made.message() + " (tls.cert " + c.tls.cert + ", tls.key " + c.tls.key + ")");
}

// The services each stored subscriber uses must exist: `run` with the service box refuses to
// start otherwise.
void check_services(Findings& f, const Config& c) {
  if (!c.has_role("servicebox")) return;
  imsguard::service::ServiceCatalog catalog(c.servicebox, c.sip.domain);
  if (auto valid = catalog.validate(); !valid.ok()) {
    f.errors.push_back(valid.message());
    return;
  }
  if (c.state == "memory") return;
  std::string db = imsguard::store::database_path(c.data_dir);
  std::error_code ec;
  if (!std::filesystem::exists(db, ec)) return;  // a first start: no subscribers yet
  auto store = imsguard::store::SqliteSubscriberStore::open(db);
  if (!store) {
    f.errors.push_back("state: " + store.error().message());
    return;
  }
  for (size_t offset = 0;; offset += 500) {
    auto page = store.value()->list(offset, 500);
    if (!page.ok()) {
      f.errors.push_back("state: " + page.message());
      return;
    }
    for (const auto& s : page.value())
      if (auto known = catalog.unknown_services(s.services); !known.ok())
        f.errors.push_back("servicebox.services: subscriber " + s.impi + " in " + db + ": " + known.message() +
                           " (add the service, or `imsguard subscriber` to change the profile)");
    if (page.value().size() < 500) break;
  }
}

Findings check_host(const Config& c) {
  Findings f;
  if (c.has_role("edge"))
    for (size_t i = 0; i < c.sip.listen.size(); ++i)
      check_bind(f, "sip.listen[" + std::to_string(i) + "]", c.sip.listen[i].transport, c.sip.listen[i].address,
                 c.sip.listen[i].port);
  if (c.has_role("servicebox")) {
    check_bind(f, "servicebox.sip_listen", Transport::kTls, c.servicebox.sip_listen.address, c.servicebox.sip_listen.port);
    check_bind(f, "servicebox.https_listen", Transport::kTcp, c.servicebox.https_listen.address,
               c.servicebox.https_listen.port);
  }
  if (!c.admin.token.empty()) check_bind(f, "admin.listen", Transport::kTcp, c.admin.listen.address, c.admin.listen.port);
  if (c.has_role("edge")) {
    if (auto core = imsguard::edge::Proxy::parse_core(c.core.scscf); !core.ok())
      f.errors.push_back("core.scscf: " + core.message());
  }
  check_writable_dir(f, "data_dir", c.data_dir);
  check_events(f, c.events_output);
  check_tls(f, c);
  check_services(f, c);
  return f;
}

imsguard::cli::CommandRegistration reg{[](CLI::App& app) {
  struct Options {
    std::string file;
    bool effective = false;
    bool no_host = false;
    bool schema_markdown = false;
  };
  auto opts = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("check-config", "Validate a configuration file (or the embedded default)");
  cmd->add_option("file", opts->file, "configuration file; omitted: the embedded default");
  cmd->add_flag("--effective", opts->effective, "print the effective configuration (defaults filled in) as YAML");
  cmd->add_flag("--schema-markdown", opts->schema_markdown,
                "print the table of every configuration key (docs/configuration.md) and exit");
  cmd->add_flag("--no-host-checks", opts->no_host,
                "only the file: skip the checks against this host (addresses, files, data directory, stored subscribers)");
  cmd->callback([opts] {
    if (opts->schema_markdown) {
      std::cout << imsguard::config::schema_markdown();
      return;
    }
    std::string name = opts->file.empty() ? "<embedded default>" : opts->file;
    auto result = opts->file.empty() ? imsguard::config::load_default() : imsguard::config::load_file(opts->file);
    if (!result.ok()) {
      for (const auto& e : result.errors) std::cerr << "error: " << e.to_string() << "\n";
      std::cerr << result.errors.size() << " error(s) in " << name << "\n";
      imsguard::cli::exit_status() = 2;
      return;
    }
    Findings host;
    if (!opts->no_host) host = check_host(*result.config);
    for (const auto& w : host.warnings) std::cerr << "warning: " << w << "\n";
    if (!host.errors.empty()) {
      for (const auto& e : host.errors) std::cerr << "error: " << e << "\n";
      std::cerr << host.errors.size() << " error(s): `imsguard run` would fail with " << name << " on this host\n";
      imsguard::cli::exit_status() = 2;
      return;
    }
    if (opts->effective) std::cout << imsguard::config::effective_config_yaml(*result.config, false);
    else std::cout << "configuration OK: " << name << "\n";
  });
}};

}  // namespace
