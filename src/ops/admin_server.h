#pragma once
// The admin HTTP listener (admin.listen, 127.0.0.1:9090 by default): a small thread pool of
// its own, so a slow or hostile admin client never touches the SIP workers. It only adapts
// HTTP to AdminRouter. Plain HTTP: keep it on loopback, or put a TLS proxy in front.
#include "ops/admin_api.h"

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace imsguard::ops {

class AdminServer {
 public:
  explicit AdminServer(AdminRouter& router);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Binds address:port (port 0: any free port) and serves from a thread. Error text or "".
  std::string start(const std::string& address, uint16_t port);
  void stop();
  uint16_t port() const { return port_; }

 private:
  AdminRouter& router_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  uint16_t port_ = 0;
};

}  // namespace imsguard::ops
