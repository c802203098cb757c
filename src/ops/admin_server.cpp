// The Debian build of cpp-httplib is compiled with these: the header must agree with it.
#define CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_ZLIB_SUPPORT
#define CPPHTTPLIB_BROTLI_SUPPORT
#include "ops/admin_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>

namespace imsguard::ops {

AdminServer::AdminServer(AdminRouter& router) : router_(router) {}

AdminServer::~AdminServer() { stop(); }

std::string AdminServer::start(const std::string& address, uint16_t port) {
  stop();
  server_ = std::make_unique<httplib::Server>();
  auto& s = *server_;
  // The library's default sets SO_REUSEPORT, which would let a second process share the
  // port unnoticed; a clash must be an error.
  s.set_socket_options([](int fd) {
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  s.new_task_queue = [] { return new httplib::ThreadPool(2); };
  s.set_read_timeout(5, 0);
  s.set_write_timeout(5, 0);
  s.set_keep_alive_max_count(100);
  s.set_payload_max_length(64 * 1024);
  auto route = [this](const httplib::Request& req, httplib::Response& res) {
    AdminRequest r;
    r.method = req.method;
    r.path = req.path;
    for (const auto& [k, v] : req.params) r.query.emplace(k, v);  // first value of a repeated key
    r.authorization = req.get_header_value("Authorization");
    r.body = req.body;
    AdminResponse out = router_.handle(r);
    res.status = out.status;
    for (const auto& [k, v] : out.headers) res.set_header(k, v);
    res.set_header("Cache-Control", "no-store");
    res.set_content(out.body, out.content_type.c_str());
  };
  const std::string any = R"(/.*)";
  s.Get(any, route);
  s.Post(any, route);
  s.Put(any, route);
  s.Patch(any, route);
  s.Delete(any, route);
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    res.status = 500;
    res.set_content("{\"error\": \"internal error\"}\n", "application/json");
  });
  if (port == 0) {
    int bound = s.bind_to_any_port(address);
    if (bound <= 0) {
      server_.reset();
      return "admin.listen: cannot bind " + address + ":0";
    }
    port_ = static_cast<uint16_t>(bound);
  } else {
    if (!s.bind_to_port(address, port)) {
      server_.reset();
      return "admin.listen: cannot bind " + address + ":" + std::to_string(port) + " (in use or bad address)";
    }
    port_ = port;
  }
  thread_ = std::thread([&s] { s.listen_after_bind(); });
  // stop() only interrupts a server that is running: wait until it is, so a quick
  // start/stop cannot leave the thread blocked in accept.
  for (int i = 0; i < 2000 && !s.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return {};
}

void AdminServer::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

}  // namespace imsguard::ops
