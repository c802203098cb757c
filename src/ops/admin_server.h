#pragma once
// The admin HTTP listener (admin.listen, 127.0.0.1:9090 by default): a thread pool of its
// own, so a slow or hostile admin client never touches the SIP workers. It adapts HTTP to
// AdminRouter, and bounds what one client can hold (issue 17, F13: two connections that
// trickled a request froze /metrics): a request must arrive and its answer leave within
// a deadline in all (not per read), an idle keep-alive connection is closed quickly, and
// one source address holds at most a few of the pool's threads, so the others stay free
// for the scraper. Plain HTTP: keep it on loopback, or put a TLS proxy in front.
#include "common/status.h"
#include "ops/admin_api.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace imsguard::ops {

struct AdminServerLimits {
  size_t threads = 8;
  size_t per_source = 3;               // connections served at once for one source address
  int64_t request_deadline_ms = 5000;  // from the wait for a request to the end of its answer
  int64_t keep_alive_ms = 2000;        // an idle keep-alive connection waits this long
};

class AdminServer {
 public:
  explicit AdminServer(AdminRouter& router, AdminServerLimits limits = {});
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Binds address:port (port 0: any free port) and serves from a thread. kUnavailable when
  // it cannot bind (in use, or not an address of this host).
  Status start(const std::string& address, uint16_t port);
  void stop();
  uint16_t port() const { return port_; }

 private:
  class Guarded;
  AdminRouter& router_;
  const AdminServerLimits limits_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  uint16_t port_ = 0;
};

}  // namespace imsguard::ops
