// `imsguard subscriber add|import|list|show|set|remove|bar|unbar`: provisioning of the HSS-lite
// store in <data-dir>/imsguard.db. Passwords become HA1 values before they reach the store;
// K, OPc and HA1 are never printed.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <sstream>

#include "cli/command.h"
#include "config/config.h"
#include "crypto/hex.h"
#include "crypto/milenage.h"
#include "store/provisioning.h"
#include "store/sqlite_subscriber_store.h"
#include "store/state.h"

namespace {

using imsguard::store::StoreErrc;
using imsguard::store::StoreError;
using imsguard::store::Subscriber;
using imsguard::store::SubscriberStore;

struct Common {
  std::string data_dir = "./imsguard-data";
  std::string realm = "ims.local";
};

// Unknown IMPI, duplicates and malformed input are the operator's to fix (2); a database
// that cannot be opened or written is a runtime failure (1).
void fail(const std::string& what, const StoreError& e) {
  std::cerr << "imsguard subscriber " << what << ": " << e.message() << "\n";
  imsguard::cli::exit_status() = e.code() == StoreErrc::kUnavailable ? 1 : 2;
}

// OPc from OP needs Milenage (TS 35.206): OPc = OP xor E_K(OP).
imsguard::store::ProvisioningOptions provisioning(const Common& c) {
  imsguard::store::ProvisioningOptions options;
  options.realm = c.realm;
  options.opc_from_op = [](const std::array<uint8_t, 16>& k, const std::array<uint8_t, 16>& op) {
    return imsguard::crypto::Milenage::compute_opc(k, op);
  };
  return options;
}

void add_data_dir(CLI::App* cmd, Common& c) {
  cmd->add_option("--data-dir", c.data_dir, "directory holding imsguard.db (created 0700 if absent)")
      ->capture_default_str();
}

void add_realm(CLI::App* cmd, Common& c) {
  cmd->add_option("--realm", c.realm, "realm of the subscribers (part of the digest HA1)")->capture_default_str();
}

// Opens the store. `create`: make the data directory and database if absent (add/import);
// otherwise a missing database is reported instead of silently creating an empty one.
std::unique_ptr<SubscriberStore> open_store(const std::string& what, const Common& c, bool create) {
  std::string path = imsguard::store::database_path(c.data_dir);
  if (create) {
    if (auto r = imsguard::store::ensure_private_dir(c.data_dir); !r) {
      fail(what, r.error());
      return nullptr;
    }
  } else {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      fail(what, imsguard::store::invalid("no subscriber database at " + path + " (check --data-dir)"));
      return nullptr;
    }
  }
  auto store = imsguard::store::SqliteSubscriberStore::open(path);
  if (!store) {
    fail(what, store.error());
    return nullptr;
  }
  return std::move(store).value();
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

std::string sqn_hex(uint64_t sqn) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%012llx", static_cast<unsigned long long>(sqn));
  return buf;
}

void print_summary(const Subscriber& s) {
  std::cout << s.impi << " scheme=" << imsguard::store::auth_scheme_name(s.scheme) << " realm=" << s.realm
            << " impus=" << join(s.impus, ",") << " barred=" << (s.barred ? "yes" : "no")
            << " services=" << join(s.services, ";") << "\n";
}

void print_details(const Subscriber& s) {
  std::cout << "impi=" << s.impi << "\n";
  for (const auto& impu : s.impus) std::cout << "impu=" << impu << "\n";
  std::cout << "realm=" << s.realm << "\n";
  std::cout << "scheme=" << imsguard::store::auth_scheme_name(s.scheme) << "\n";
  if (s.scheme == imsguard::store::AuthScheme::kAka) {
    std::cout << "k=<set>\n";
    std::cout << "opc=<set>\n";
    std::cout << "amf=" << imsguard::crypto::to_hex(s.amf) << "\n";
    std::cout << "sqn=" << sqn_hex(s.sqn) << "\n";
  } else {
    std::vector<std::string> algs;
    if (!s.ha1_md5.empty()) algs.push_back("MD5");
    if (!s.ha1_sha256.empty()) algs.push_back("SHA-256");
    if (!s.ha1_sha512_256.empty()) algs.push_back("SHA-512-256");
    std::cout << "ha1=<set> (" << join(algs, ", ") << ")\n";
  }
  std::cout << "barred=" << (s.barred ? "yes" : "no") << "\n";
  std::cout << "services=" << join(s.services, ";") << "\n";
}

// Service names must be those of servicebox.services in the configuration (--config, else
// the embedded one): a typo is refused when it is typed, not found when the subscriber is
// refused a service or `run` refuses the store. The unknown name and the known ones, or "".
struct KnownServices {
  std::vector<std::string> names;
  std::string error;  // the configuration could not be read
};
KnownServices known_services(const std::string& config_file) {
  auto loaded = config_file.empty() ? imsguard::config::load_default() : imsguard::config::load_file(config_file);
  if (!loaded.ok()) return {{}, "config: " + loaded.errors.front().to_string()};
  KnownServices k;
  for (const auto& svc : loaded.config->servicebox.services) k.names.push_back(svc.name);
  return k;
}
std::string unknown_service(const KnownServices& known, const std::vector<std::string>& services) {
  for (const auto& name : services)
    if (std::find(known.names.begin(), known.names.end(), name) == known.names.end())
      return "unknown service '" + name + "' (servicebox.services: " + join(known.names, ", ") + ")";
  return {};
}

void add_config(CLI::App* cmd, std::string& config) {
  cmd->add_option("--config", config, "configuration whose servicebox.services names the known services "
                                      "(default: the embedded one)");
}

void install_add(CLI::App* parent) {
  struct Opts {
    Common common;
    imsguard::store::SubscriberSpec spec;
    bool password_stdin = false;
    std::string config;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = parent->add_subcommand("add", "Add one subscriber (digest: --password; AKA: --k and --opc or --op)");
  add_data_dir(cmd, o->common);
  add_realm(cmd, o->common);
  cmd->add_option("--impi", o->spec.impi, "private identity (also the digest username)")->required();
  cmd->add_option("--impu", o->spec.impus, "public identity URI (sip:, sips:, tel:); repeatable")->required();
  auto* password = cmd->add_option("--password", o->spec.password, "digest password (only its HA1 is stored)");
  cmd->add_flag("--password-stdin", o->password_stdin, "read the digest password from the first line of stdin")
      ->excludes(password);
  cmd->add_option("--k", o->spec.k, "AKA subscriber key K, 32 hex digits");
  auto* opc = cmd->add_option("--opc", o->spec.opc, "AKA OPc, 32 hex digits");
  cmd->add_option("--op", o->spec.op, "AKA operator key OP, 32 hex digits (OPc is computed and stored)")
      ->excludes(opc);
  cmd->add_option("--amf", o->spec.amf, "AKA AMF, 4 hex digits (default 0000)");
  cmd->add_option("--sqn", o->spec.sqn, "AKA initial SQN in hex, up to 12 digits (default 0)");
  cmd->add_option("--service", o->spec.services, "a service this subscriber may use (one of servicebox.services); repeatable");
  add_config(cmd, o->config);
  cmd->callback([o] {
    auto known = known_services(o->config);
    if (!known.error.empty()) return fail("add", imsguard::store::invalid(known.error));
    // Warned, not refused: a store may be prepared ahead of its configuration (set refuses).
    if (auto why = unknown_service(known, o->spec.services); !why.empty())
      std::cerr << "imsguard subscriber add: warning: " << why << "; check-config will report it\n";
    if (o->password_stdin) {
      std::getline(std::cin, o->spec.password);
      if (!o->spec.password.empty() && o->spec.password.back() == '\r') o->spec.password.pop_back();
      if (o->spec.password.empty()) {
        fail("add", imsguard::store::invalid("no password on stdin"));
        return;
      }
    }
    auto options = provisioning(o->common);
    auto subscriber = imsguard::store::build_subscriber(o->spec, options);
    o->spec.password.assign(o->spec.password.size(), '\0');  // do not keep it around
    if (!subscriber) {
      fail("add", subscriber.error());
      return;
    }
    auto store = open_store("add", o->common, true);
    if (!store) return;
    if (auto r = store->add(subscriber.value()); !r) {
      fail("add", r.error());
      return;
    }
    std::cout << "added " << subscriber->impi << " ("
              << imsguard::store::auth_scheme_name(subscriber->scheme) << ", " << subscriber->impus.size()
              << " IMPU" << (subscriber->impus.size() == 1 ? "" : "s") << ")\n";
  });
}

void install_import(CLI::App* parent) {
  struct Opts {
    Common common;
    std::string file;
    bool skip_bad = false;
    std::string config;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = parent->add_subcommand("import", "Import subscribers from CSV (nothing is imported if a line is bad)");
  add_data_dir(cmd, o->common);
  add_realm(cmd, o->common);
  cmd->add_option("file", o->file, "CSV file ('-' for stdin)")->required();
  cmd->add_flag("--skip-bad", o->skip_bad, "import the good lines even if some are bad");
  add_config(cmd, o->config);
  cmd->callback([o] {
    auto known = known_services(o->config);
    if (!known.error.empty()) return fail("import", imsguard::store::invalid(known.error));
    std::string text;
    if (o->file == "-") {
      std::ostringstream buf;
      buf << std::cin.rdbuf();
      text = buf.str();
    } else {
      std::ifstream in(o->file, std::ios::binary);
      if (!in) {
        fail("import", imsguard::store::invalid("cannot read " + o->file));
        return;
      }
      std::ostringstream buf;
      buf << in.rdbuf();
      text = buf.str();
    }
    auto options = provisioning(o->common);
    // A service the configuration does not know is only warned about here (a store may be
    // prepared ahead of a configuration); `subscriber set` refuses it, check-config reports it.
    {
      auto parsed = imsguard::store::parse_subscriber_csv(text, options);
      for (size_t i = 0; i < parsed.subscribers.size(); ++i)
        if (auto why = unknown_service(known, parsed.subscribers[i].services); !why.empty())
          std::cerr << "warning: line " << parsed.lines[i] << " of " << o->file << ": " << why << "\n";
    }
    auto store = open_store("import", o->common, true);
    if (!store) return;
    auto started = std::chrono::steady_clock::now();
    auto report = imsguard::store::import_subscriber_csv(text, options, o->skip_bad, *store);
    if (!report) {
      fail("import", report.error());
      return;
    }
    auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    for (const auto& e : report->errors) std::cerr << o->file << ":" << e.line << ": " << e.reason << "\n";
    if (!report->errors.empty() && !o->skip_bad) {
      std::cerr << "nothing imported: " << report->errors.size()
                << " bad line(s); fix them or use --skip-bad to import the good ones\n";
      imsguard::cli::exit_status() = 2;
      return;
    }
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.2f", elapsed);
    std::cout << "imported " << report->imported << " subscriber(s) in " << seconds << " s";
    if (!report->errors.empty()) std::cout << ", skipped " << report->errors.size() << " bad line(s)";
    std::cout << "\n";
  });
}

void install_list(CLI::App* parent) {
  struct Opts {
    Common common;
    std::size_t offset = 0;
    std::size_t limit = std::numeric_limits<std::size_t>::max();
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = parent->add_subcommand("list", "List subscribers, one per line (no keys or HA1)");
  add_data_dir(cmd, o->common);
  cmd->add_option("--offset", o->offset, "skip this many (ordered by IMPI)");
  cmd->add_option("--limit", o->limit, "show at most this many");
  cmd->callback([o] {
    auto store = open_store("list", o->common, false);
    if (!store) return;
    // Page through the store so a large database is not loaded at once.
    constexpr std::size_t kPage = 1000;
    std::size_t offset = o->offset;
    std::size_t remaining = o->limit;
    while (remaining > 0) {
      auto page = store->list(offset, std::min(kPage, remaining));
      if (!page) {
        fail("list", page.error());
        return;
      }
      for (const auto& s : page.value()) print_summary(s);
      if (page->size() < std::min(kPage, remaining)) break;
      offset += page->size();
      remaining -= page->size();
    }
  });
}

// show / remove / bar / unbar: one IMPI each.
void install_by_impi(CLI::App* parent, const std::string& name, const std::string& help,
                     std::function<void(SubscriberStore&, const std::string&)> action) {
  struct Opts {
    Common common;
    std::string impi;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = parent->add_subcommand(name, help);
  add_data_dir(cmd, o->common);
  cmd->add_option("impi,--impi", o->impi, "private identity")->required();
  cmd->callback([o, name, action] {
    auto store = open_store(name, o->common, false);
    if (!store) return;
    action(*store, o->impi);
  });
}

// set: change the service profile, the digest password or the AKA keys of one subscriber.
// Service names are checked against servicebox.services of the configuration at once, so a
// typo is refused here rather than found when `run` starts or the subscriber is refused.
void install_set(CLI::App* parent) {
  struct Opts {
    Common common;
    std::string impi, config;
    std::vector<std::string> services;
    bool no_services = false;
    std::string password, k, opc, op;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = parent->add_subcommand("set", "Change a subscriber's services, digest password or AKA keys");
  add_data_dir(cmd, o->common);
  cmd->add_option("impi,--impi", o->impi, "private identity")->required();
  cmd->add_option("--service", o->services, "the services it may use (replaces the list; repeatable)");
  cmd->add_flag("--no-services", o->no_services, "remove every service");
  cmd->add_option("--password", o->password, "new digest password (digest subscribers)");
  cmd->add_option("--k", o->k, "new AKA key K, 32 hex digits (AKA subscribers; with --opc or --op)");
  cmd->add_option("--opc", o->opc, "new AKA OPc, 32 hex digits");
  cmd->add_option("--op", o->op, "AKA operator key OP, 32 hex digits (OPc is computed)");
  add_config(cmd, o->config);
  cmd->callback([o] {
    auto known = known_services(o->config);
    if (!known.error.empty()) return fail("set", imsguard::store::invalid(known.error));
    if (auto why = unknown_service(known, o->services); !why.empty()) return fail("set", imsguard::store::invalid(why));
    if (o->services.empty() && !o->no_services && o->password.empty() && o->k.empty() && o->opc.empty() && o->op.empty())
      return fail("set", imsguard::store::invalid("nothing to change (--service, --no-services, --password, --k/--opc)"));
    auto store = open_store("set", o->common, false);
    if (!store) return;
    auto found = store->find(o->impi);
    if (!found) return fail("set", found.error());
    if (!found.value()) return fail("set", imsguard::store::not_found("no subscriber with IMPI '" + o->impi + "'"));
    Subscriber s = *found.value();
    bool aka = s.scheme == imsguard::store::AuthScheme::kAka;
    if (!o->password.empty() || !o->k.empty() || !o->opc.empty() || !o->op.empty()) {
      if (!o->password.empty() && aka) return fail("set", imsguard::store::invalid(o->impi + " is an AKA subscriber: give --k and --opc"));
      if (o->password.empty() && !aka) return fail("set", imsguard::store::invalid(o->impi + " is a digest subscriber: give --password"));
      imsguard::store::SubscriberSpec spec;
      spec.impi = s.impi;
      spec.impus = s.impus;
      spec.password = o->password;
      spec.k = o->k;
      spec.opc = o->opc;
      spec.op = o->op;
      if (aka) {
        spec.amf = imsguard::crypto::to_hex(s.amf);
        spec.sqn = sqn_hex(s.sqn);
      }
      auto opts = provisioning(Common{o->common.data_dir, s.realm});
      auto built = imsguard::store::build_subscriber(spec, opts);
      if (!built) return fail("set", built.error());
      s.k = built.value().k;
      s.opc = built.value().opc;
      s.ha1_md5 = built.value().ha1_md5;
      s.ha1_sha256 = built.value().ha1_sha256;
      s.ha1_sha512_256 = built.value().ha1_sha512_256;
    }
    if (o->no_services) s.services.clear();
    else if (!o->services.empty()) s.services = o->services;
    if (auto r = store->update(s); !r) return fail("set", r.error());
    std::cout << "updated " << s.impi << "\n";
    print_summary(s);
  });
}

imsguard::cli::CommandRegistration reg{[](CLI::App& app) {
  auto* sub = app.add_subcommand("subscriber", "Provision subscribers (HSS-lite)");
  sub->require_subcommand(1);
  install_add(sub);
  install_import(sub);
  install_list(sub);
  install_set(sub);
  install_by_impi(sub, "show", "Show one subscriber (K, OPc and HA1 are shown as <set>)",
                  [](SubscriberStore& store, const std::string& impi) {
                    auto s = store.find(impi);
                    if (!s) return fail("show", s.error());
                    if (!s.value()) {
                      return fail("show", imsguard::store::not_found("no subscriber with IMPI '" + impi + "'"));
                    }
                    print_details(*s.value());
                  });
  install_by_impi(sub, "remove", "Remove a subscriber and its IMPUs",
                  [](SubscriberStore& store, const std::string& impi) {
                    if (auto r = store.remove(impi); !r) return fail("remove", r.error());
                    std::cout << "removed " << impi << "\n";
                  });
  install_by_impi(sub, "bar", "Bar a subscriber (registration is refused)",
                  [](SubscriberStore& store, const std::string& impi) {
                    if (auto r = store.set_barred(impi, true); !r) return fail("bar", r.error());
                    std::cout << "barred " << impi << "\n";
                  });
  install_by_impi(sub, "unbar", "Lift the bar on a subscriber", [](SubscriberStore& store, const std::string& impi) {
    if (auto r = store.set_barred(impi, false); !r) return fail("unbar", r.error());
    std::cout << "unbarred " << impi << "\n";
  });
}};

}  // namespace
