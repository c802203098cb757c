#pragma once
// What `imsguard audit` reads from a configuration, in one place so that a reviewer can check
// each countermeasure against the config keys it reads and the runtime code that enforces it:
//  - kRules: countermeasure id -> keys read -> the code that makes it real -> the decision;
//  - dead switches: keys that exist in the configuration but that nothing reads at runtime;
//    they are shown and never credited;
//  - listeners and exposure: which interface each listener serves, bound where, with which
//    TLS floor and ciphers;
//  - checks: findings about the configuration itself (bind addresses, MD5, TLS floors, the
//    admin listener, how tokens and SDES keys travel), each at a config key.
#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"

namespace imsguard::tvra {

struct Verdict {
  bool enabled = false;
  std::string reason;  // the keys and values that decided it
};

struct Rule {
  const char* countermeasure;
  std::vector<std::string> keys;  // config keys read; the first is where a finding points
  const char* enforced_by;        // the runtime code that makes it real
  Verdict (*decide)(const config::Config&);
};

// In the order the audit reports them.
const std::vector<Rule>& countermeasure_rules();
const Rule* rule_for(const std::string& countermeasure);

// A configuration key with no reader at runtime (the configuration issue lists them).
struct DeadSwitch {
  const char* key;
  const char* note;  // what really happens at runtime
};
const std::vector<DeadSwitch>& dead_switches();

// One socket the configuration opens.
struct ListenerView {
  std::string key;        // "sip.listen[2]", "servicebox.https_listen", "admin.listen"
  std::string interface;  // model interface it serves: I-C, I-S, C-S, OAM
  std::string transport;  // udp | tcp | tls | https | http
  std::string address;
  uint16_t port = 0;
  bool loopback = false;  // 127.0.0.0/8, ::1, localhost
  std::string tls_floor;  // "TLS 1.2", "none (plaintext)", ...
  std::string ciphers;
};
std::vector<ListenerView> listeners(const config::Config& config);
bool is_loopback(const std::string& address);
bool is_wildcard(const std::string& address);

// How reachable an interface is under this configuration.
struct InterfaceExposure {
  std::string interface;
  bool served = false;         // this configuration opens a listener for it
  bool loopback_only = false;  // every such listener is bound to loopback
  bool wildcard = false;       // a listener binds every address of the host (0.0.0.0, ::)
  std::vector<std::string> keys;
  std::string transports;      // "udp, tcp, tls" as really served
};
std::vector<InterfaceExposure> interface_exposure(const config::Config& config);

// A finding about the configuration itself, at a key. `check` is the stable rule id suffix.
struct Finding {
  std::string check;    // bind-address, digest-md5, tls-floor, admin-exposure, token-transport, sdes-transport, dead-switch,
                        // udp-request-trust, core-trust, contact-cap
  std::string level;    // error | warning | note
  std::string key;
  std::string message;
};
std::vector<Finding> check_config(const config::Config& config);

}  // namespace imsguard::tvra
