#include "imsguard_process.h"

#include "sip_socket.h"

#include <filesystem>
#include <sstream>

#ifndef IMSGUARD_BIN
#error "IMSGUARD_BIN must name the imsguard binary"
#endif

namespace imsguard::testkit {

bool ImsguardProcess::start(const ImsguardOptions& o) {
  data_dir_ = o.data_dir.empty() ? make_temp_dir("imsguard-e2e") : o.data_dir;
  return retried([&] { return start_once(o); });
}

bool ImsguardProcess::start_config(const std::string& config_path, const std::string& data_dir,
                                   const std::function<std::string()>& yaml, const uint16_t& probe_port) {
  config_path_ = config_path;
  data_dir_ = data_dir;
  sip_port_ = tls_port_ = 0;
  return retried([&] {
    write_file(config_path_, yaml());
    return launch(probe_port);
  });
}

bool ImsguardProcess::retried(const std::function<bool()>& once) {
  // free_port() only finds a port that was free a moment ago: another process on the machine
  // may take it before imsguard binds. Such a start is retried on fresh ports.
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (once()) return true;
    if (process_.running() || log().find("Address already in use") == std::string::npos) return false;
    process_.stop();
  }
  return false;
}

bool ImsguardProcess::start_once(const ImsguardOptions& o) {
  sip_port_ = free_port();
  tls_port_ = free_port();
  std::ostringstream y;
  y << "roles: " << o.roles << "\n"
    << "data_dir: " << data_dir_ << "\n"
    << "state: \"" << o.state << "\"\n"
    << "events: { output: " << data_dir_ << "/events.jsonl }\n"
    << "sip:\n  domain: ims.local\n  workers: 2\n  listen:\n"
    << "    - { transport: udp, address: " << o.listen_address << ", port: " << sip_port_ << " }\n"
    << "    - { transport: tcp, address: " << o.listen_address << ", port: " << sip_port_ << " }\n";
  if (o.tls) y << "    - { transport: tls, address: " << o.listen_address << ", port: " << tls_port_ << " }\n";
  y << o.sip_yaml;
  y << "auth:\n  realm: ims.local\n  digest_algorithms: " << o.digest_algorithms << "\n" << o.auth_yaml << o.extra_yaml;
  config_path_ = data_dir_ + "/imsguard.yaml";
  write_file(config_path_, y.str());
  return launch(sip_port_);
}

bool ImsguardProcess::launch(uint16_t probe_port) {
  // The log beside the configuration (for start(): in the data directory, as before).
  std::string log = std::filesystem::path(config_path_).parent_path().string() + "/imsguard.log";
  if (!process_.start({IMSGUARD_BIN, "run", "--demo", "--config", config_path_}, log)) return false;
  UdpPeer peer;
  return eventually(
      [&] {
        if (!process_.running()) return true;
        peer.send("OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + std::to_string(peer.local_port()) +
                      ";branch=z9hG4bKready\r\nFrom: <sip:probe@ims.local>;tag=1\r\nTo: <sip:127.0.0.1>\r\n"
                      "Call-ID: ready\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
                  probe_port);
        return peer.receive(std::chrono::milliseconds(200)).has_value();
      },
      std::chrono::seconds(20)) &&
         process_.running();
}

std::string ImsguardProcess::add_subscriber(const std::string& impi, const std::string& impu,
                                            const std::string& password) const {
  ChildProcess add;
  std::string log = data_dir_ + "/subscriber-add.log";
  if (!add.start({IMSGUARD_BIN, "subscriber", "add", "--data-dir", data_dir_, "--impi", impi, "--impu", impu,
                  "--password", password},
                 log))
    return "could not start imsguard subscriber add";
  return add.wait(std::chrono::seconds(30)) == 0 ? std::string() : "subscriber add failed: " + read_file(log);
}

std::string ImsguardProcess::demo(const std::string& scheme, const std::string& field) const {
  std::istringstream in(read_file(data_dir_ + "/demo-subscribers.txt"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(scheme + " ", 0) != 0) continue;
    std::istringstream words(line);
    std::string w;
    while (words >> w)
      if (w.rfind(field + "=", 0) == 0) return w.substr(field.size() + 1);
  }
  return {};
}

}  // namespace imsguard::testkit
