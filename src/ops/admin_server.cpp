// The Debian build of cpp-httplib is compiled with these: the header must agree with it.
#define CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_ZLIB_SUPPORT
#define CPPHTTPLIB_BROTLI_SUPPORT
#include "ops/admin_server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <unordered_map>

namespace imsguard::ops {

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool wait_for(int fd, short events, int64_t timeout_ms) {
  if (timeout_ms <= 0) return false;
  pollfd p{fd, events, 0};
  int n;
  do n = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(timeout_ms, 60'000)));
  while (n < 0 && errno == EINTR);
  return n > 0;
}

std::string address_of(const sockaddr_storage& a, int* port) {
  char text[INET6_ADDRSTRLEN] = {};
  if (a.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(a);
    ::inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
    if (port) *port = ntohs(v4.sin_port);
  } else if (a.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(a);
    ::inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
    if (port) *port = ntohs(v6.sin6_port);
  }
  return text;
}

// A socket whose reads and writes all end at one deadline: httplib's own stream times each
// read alone, so a client sending a byte every few seconds would hold a thread forever.
class DeadlineStream final : public httplib::Stream {
 public:
  DeadlineStream(int fd, int64_t deadline_ms) : fd_(fd), deadline_ms_(deadline_ms) {}
  bool is_readable() const override { return begin_ < end_ || wait_for(fd_, POLLIN, left()); }
  bool is_writable() const override { return wait_for(fd_, POLLOUT, left()); }
  ssize_t read(char* ptr, size_t size) override {
    if (begin_ == end_) {
      if (!wait_for(fd_, POLLIN, left())) return -1;
      ssize_t n;
      do n = ::recv(fd_, buffer_, sizeof buffer_, 0);
      while (n < 0 && errno == EINTR);
      if (n <= 0) return n;
      begin_ = 0;
      end_ = static_cast<size_t>(n);
    }
    size_t n = std::min(size, end_ - begin_);
    std::memcpy(ptr, buffer_ + begin_, n);
    begin_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    ssize_t n;
    do n = ::send(fd_, ptr, size, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n;
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override { name(::getpeername, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { name(::getsockname, ip, port); }
  socket_t socket() const override { return fd_; }

 private:
  int64_t left() const { return deadline_ms_ - now_ms(); }
  template <typename F>
  void name(F f, std::string& ip, int& port) const {
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    if (f(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0) ip = address_of(a, &port);
  }
  int fd_;
  int64_t deadline_ms_;
  char buffer_[4096];
  size_t begin_ = 0, end_ = 0;
};

}  // namespace

// httplib's server with its per-connection loop replaced (the loop is a virtual of the
// library: its private process_and_close_socket, overridden here) by one that enforces
// AdminServerLimits; parsing, routing and writing stay the library's (process_request).
class AdminServer::Guarded final : public httplib::Server {
 public:
  explicit Guarded(const AdminServerLimits& limits) : limits_(limits) {}

 private:
  bool process_and_close_socket(socket_t sock) override {
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    std::string source = ::getpeername(sock, reinterpret_cast<sockaddr*>(&peer), &len) == 0 ? address_of(peer, nullptr) : "";
    bool served = false;
    if (enter(source)) {
      served = serve(sock);
      leave(source);
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return served;
  }

  bool serve(int sock) {
    for (size_t n = 0; n < keep_alive_max_count_ && svr_sock_ != INVALID_SOCKET; ++n) {
      int64_t start = now_ms();
      if (!wait_for(sock, POLLIN, n == 0 ? limits_.request_deadline_ms : limits_.keep_alive_ms)) return n > 0;
      DeadlineStream stream(sock, start + limits_.request_deadline_ms);
      bool closed = false;
      bool last = n + 1 == keep_alive_max_count_;
      if (!process_request(stream, last, closed, nullptr)) return false;
      if (closed) break;
    }
    return true;
  }

  bool enter(const std::string& source) {
    std::lock_guard lock(mutex_);
    auto& n = per_source_[source];
    if (n >= limits_.per_source) return false;
    ++n;
    return true;
  }
  void leave(const std::string& source) {
    std::lock_guard lock(mutex_);
    if (auto it = per_source_.find(source); it != per_source_.end() && --it->second == 0) per_source_.erase(it);
  }

  const AdminServerLimits limits_;
  std::mutex mutex_;
  std::unordered_map<std::string, size_t> per_source_;
};

AdminServer::AdminServer(AdminRouter& router, AdminServerLimits limits) : router_(router), limits_(limits) {}

AdminServer::~AdminServer() { stop(); }

Status AdminServer::start(const std::string& address, uint16_t port) {
  stop();
  server_ = std::make_unique<Guarded>(limits_);
  auto& s = *server_;
  // The library's default sets SO_REUSEPORT, which would let a second process share the
  // port unnoticed; a clash must be an error.
  s.set_socket_options([](int fd) {
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  s.new_task_queue = [threads = limits_.threads] { return new httplib::ThreadPool(threads); };
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
      return unavailable_error("admin.listen: cannot bind " + address + ":0");
    }
    port_ = static_cast<uint16_t>(bound);
  } else {
    if (!s.bind_to_port(address, port)) {
      server_.reset();
      return unavailable_error("admin.listen: cannot bind " + address + ":" + std::to_string(port) + " (in use or bad address)");
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
