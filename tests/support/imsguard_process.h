#pragma once
// Test support: a real `imsguard run` on free loopback ports with its own data directory,
// started from the built binary and stopped by its PID.
#include "process.h"

#include <chrono>
#include <functional>
#include <string>

namespace imsguard::testkit {

struct ImsguardOptions {
  std::string roles = "[edge, core]";
  bool tls = true;
  std::string digest_algorithms = "[SHA-256, MD5]";
  std::string extra_yaml;  // appended verbatim (top-level sections)
  std::string sip_yaml;    // appended verbatim inside the sip: section (indented two spaces)
  std::string auth_yaml;   // appended verbatim inside the auth: section (indented two spaces)
  std::string data_dir;    // empty: a fresh temp dir
  std::string listen_address = "127.0.0.1";  // of every listener ("0.0.0.0": the wildcard)
  std::string state = "sqlite";  // sqlite | memory | a redis:// URL
};

class ImsguardProcess {
 public:
  ~ImsguardProcess() { stop(); }
  // Writes the config, starts the process and waits until it answers OPTIONS over UDP.
  bool start(const ImsguardOptions& options = {});
  // The same on a configuration the test writes in full (for keys the template of
  // ImsguardOptions fixes), at `config_path`, its data directory `data_dir`: `yaml()` is asked
  // again (fresh ports) when a port was taken meanwhile; ready when UDP 127.0.0.1:probe_port
  // (set by `yaml()`) answers OPTIONS. sip_port() and tls_port() are not known here.
  bool start_config(const std::string& config_path, const std::string& data_dir, const std::function<std::string()>& yaml,
                    const uint16_t& probe_port);
  int stop() { return process_.stop(); }
  void kill_hard() { process_.kill_hard(); }
  uint16_t sip_port() const { return sip_port_; }  // UDP and TCP
  uint16_t tls_port() const { return tls_port_; }
  const std::string& data_dir() const { return data_dir_; }
  const std::string& config_path() const { return config_path_; }
  std::string events() const { return read_file(data_dir_ + "/events.jsonl"); }
  std::string log() const { return process_.log(); }
  pid_t pid() const { return process_.pid(); }
  // `imsguard subscriber add` of a Digest subscriber into this edge's data directory: "" on
  // success, else what the command printed.
  std::string add_subscriber(const std::string& impi, const std::string& impu, const std::string& password) const;
  // A demo credential from <data_dir>/demo-subscribers.txt ("password", "k", "opc", ...).
  std::string demo(const std::string& scheme, const std::string& field) const;

 private:
  bool start_once(const ImsguardOptions& options);
  // Tries `once` up to three times while the process failed because a port was taken.
  bool retried(const std::function<bool()>& once);
  // Starts `run --demo` on config_path_ (its log beside it) and waits until UDP `probe_port`
  // answers OPTIONS: false when it did not, or the process ended.
  bool launch(uint16_t probe_port);

  ChildProcess process_;
  uint16_t sip_port_ = 0;
  uint16_t tls_port_ = 0;
  std::string data_dir_;
  std::string config_path_;
};

}  // namespace imsguard::testkit
