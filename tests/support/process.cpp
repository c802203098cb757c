#include "process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace imsguard::testkit {

bool ChildProcess::start(const std::vector<std::string>& argv, const std::string& log_path) {
  log_ = log_path;
  pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) {
    int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    // Own process group, so a stop reaches helpers the child starts and nothing else.
    ::setpgid(0, 0);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  pid_ = pid;
  status_ = -1;
  return true;
}

bool ChildProcess::running() const {
  if (pid_ <= 0) return false;
  return ::waitpid(pid_, const_cast<int*>(&status_), WNOHANG) == 0;
}

int ChildProcess::wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return status_;
  auto end = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int st = 0;
    pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      status_ = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
      return status_;
    }
    if (std::chrono::steady_clock::now() >= end) return -2;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int ChildProcess::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return status_;
  ::kill(pid_, SIGTERM);
  int rc = wait(grace);
  if (rc == -2) {
    kill_hard();
    return -1;
  }
  return rc;
}

void ChildProcess::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int st = 0;
  ::waitpid(pid_, &st, 0);
  pid_ = -1;
  status_ = -1;
}

std::string ChildProcess::log() const { return read_file(log_); }

namespace {

// Binds `type` on 127.0.0.1:port (0: any) and returns the fd (-1 on failure), its port in `bound`.
int bind_loopback(int type, uint16_t port, uint16_t& bound) {
  int fd = ::socket(AF_INET, type, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    return -1;
  }
  bound = ntohs(a.sin_port);
  return fd;
}

// True when `port` is free for both UDP and TCP on 127.0.0.1 right now.
bool free_for_both(uint16_t port) {
  uint16_t bound = 0;
  int t = bind_loopback(SOCK_STREAM, port, bound);
  if (t < 0) return false;
  int u = bind_loopback(SOCK_DGRAM, port, bound);
  ::close(t);
  if (u < 0) return false;
  ::close(u);
  return true;
}

}  // namespace

uint16_t free_port() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    uint16_t port = 0;
    int t = bind_loopback(SOCK_STREAM, 0, port);
    if (t < 0) continue;
    // The same number must be free for UDP too.
    uint16_t same = 0;
    int u = bind_loopback(SOCK_DGRAM, port, same);
    ::close(t);
    if (u < 0) continue;
    ::close(u);
    return port;
  }
  return 0;
}

uint16_t free_port_pair() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    uint16_t port = free_port();
    if (port != 0 && port != 0xffff && free_for_both(static_cast<uint16_t>(port + 1))) return port;
  }
  return 0;
}

std::string make_temp_dir(const std::string& prefix) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  char* d = ::mkdtemp(tmpl.data());
  return d ? std::string(d) : std::string();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

}  // namespace imsguard::testkit
