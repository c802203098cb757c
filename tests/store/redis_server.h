#pragma once
// A private redis-server for one test: a free loopback port, no persistence unless asked,
// stopped by its PID, its directory removed. Restartable on the same port (fault tests).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "process.h"

namespace imsguard::store::testing {

// TLS for a test redis-server: its certificate and CA, and the client certificate redis-cli
// presents when the server requires one.
struct RedisTls {
  std::string ca, cert, key;
  std::string client_cert, client_key;
  bool require_client_cert = false;
};

class RedisServer {
 public:
  // persistent: append-only file with fsync per write in its own directory, so a restart
  // keeps the data (what production needs for SQNs).
  explicit RedisServer(bool persistent = false, std::string password = {}, std::optional<RedisTls> tls = {})
      : persistent_(persistent), password_(std::move(password)), tls_(std::move(tls)) {
    dir_ = testkit::make_temp_dir("imsguard-redis");
    port_ = testkit::free_port();
  }
  // Stopped, and its directory removed unless the test failed (then its log and data stay
  // in /tmp for whoever reads the failure).
  ~RedisServer() {
    stop();
    if (!::testing::Test::HasFailure()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  bool start() {
    std::vector<std::string> argv = {"/usr/bin/redis-server", "--bind", "127.0.0.1", "--dir", dir_, "--save", "",
                                     "--daemonize", "no"};
    if (tls_) {
      argv.insert(argv.end(), {"--port", "0", "--tls-port", std::to_string(port_), "--tls-cert-file", tls_->cert,
                               "--tls-key-file", tls_->key, "--tls-ca-cert-file", tls_->ca, "--tls-auth-clients",
                               tls_->require_client_cert ? "yes" : "no"});
    } else {
      argv.insert(argv.end(), {"--port", std::to_string(port_)});
    }
    if (persistent_) {
      argv.insert(argv.end(), {"--appendonly", "yes", "--appendfsync", "always"});
    } else {
      argv.insert(argv.end(), {"--appendonly", "no"});
    }
    if (!password_.empty()) argv.insert(argv.end(), {"--requirepass", password_});
    if (!process_.start(argv, dir_ + "/redis.log")) return false;
    return testkit::eventually([&] { return ping(); }, std::chrono::seconds(10));
  }
  void stop() { process_.stop(); }
  void kill_hard() { process_.kill_hard(); }
  bool running() const { return process_.running(); }
  pid_t pid() const { return process_.pid(); }

  uint16_t port() const { return port_; }
  std::string url(const std::string& options = "") const {
    std::string auth = password_.empty() ? "" : ":" + password_ + "@";
    std::string query = options;
    if (tls_) query = "ca=" + tls_->ca + (query.empty() ? "" : "&" + query);
    return (tls_ ? "rediss://" : "redis://") + auth + "127.0.0.1:" + std::to_string(port_) + "/0" +
           (query.empty() ? "" : "?" + query);
  }
  // redis-cli ARGS; its output (trimmed).
  std::string cli(const std::vector<std::string>& args) const {
    std::string cmd = "/usr/bin/redis-cli -h 127.0.0.1 -p " + std::to_string(port_);
    if (!password_.empty()) cmd += " --no-auth-warning -a " + password_;
    if (tls_) {
      cmd += " --tls --cacert " + tls_->ca;
      if (!tls_->client_cert.empty()) cmd += " --cert " + tls_->client_cert + " --key " + tls_->client_key;
    }
    for (const auto& a : args) cmd += " '" + a + "'";
    cmd += " 2>&1";
    std::string out;
    if (FILE* f = ::popen(cmd.c_str(), "r")) {
      char buf[4096];
      size_t n;
      while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
      ::pclose(f);
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
  }
  bool ping() const { return cli({"PING"}) == "PONG"; }
  const std::string& log_path() const { return process_.log_path(); }

 private:
  bool persistent_;
  std::string password_;
  std::optional<RedisTls> tls_;
  std::string dir_;
  uint16_t port_ = 0;
  testkit::ChildProcess process_;
};

}  // namespace imsguard::store::testing
