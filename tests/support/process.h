#pragma once
// Test support: start a real process (imsguard, sipp, redis-server, ...) and stop it by the
// PID we started, never by name. Output goes to a log file the test can read on failure.
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace imsguard::testkit {

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess() { stop(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts argv[0] (a path) with stdout and stderr appended to `log_path`. false on failure.
  bool start(const std::vector<std::string>& argv, const std::string& log_path);
  // SIGTERM, then SIGKILL after `grace`. Returns the exit status (-1 if killed or unknown).
  int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
  // SIGKILL at once (crash simulation).
  void kill_hard();
  // Waits up to `timeout` for the process to exit on its own; its exit status or -2 on timeout.
  int wait(std::chrono::milliseconds timeout);
  bool running() const;
  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_; }
  std::string log() const;

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::string log_;
};

// A free port on 127.0.0.1 for both UDP and TCP (bound and released; racy but fine for tests).
uint16_t free_port();
// A port free on 127.0.0.1 for UDP and TCP whose next port is free for both too (for peers that
// take sip_port + 1 themselves: baresip's TLS listener). 0 when none was found.
uint16_t free_port_pair();

// A fresh private temp directory.
std::string make_temp_dir(const std::string& prefix);

// Reads a whole file ("" if missing).
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);

// Polls `predicate` every 50 ms until true or `timeout`.
template <typename Pred>
bool eventually(Pred predicate, std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (predicate()) return true;
    struct timespec ts{0, 50 * 1000 * 1000};
    nanosleep(&ts, nullptr);
  }
  return predicate();
}

}  // namespace imsguard::testkit
