#pragma once
// Ban management without a restart: the running process listens on a unix socket in its
// data directory (<data_dir>/control.sock, mode 0600: only the process owner may ban) and
// `imsguard ban list|add|remove` and `imsguard unlock` talk to it. One request line per
// connection, answered by result lines and a last line "OK" or "ERROR <why>":
//   ban list                  (the bans, then the brute-force lockouts with their reason)
//   ban add <address[/prefix]> [ttl_s|-] [reason words...]   (- : the default TTL)
//   ban remove <address[/prefix]>
//   unlock <impi|address>     (lifts a brute-force lockout)
#include "common/status.h"
#include "guard/banlist.h"
#include "guard/clock.h"
#include "ops/events.h"

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace imsguard::guard {

class BruteForceGuard;
// The brute-force guard in force, or null when it is off (a reload may replace or remove it).
using BruteForceFinder = std::function<BruteForceGuard*()>;

// The answer to one request line (without the transport): lines, last one OK/ERROR.
// `events`: where an operator's ban and unban are reported (the chain's sink).
std::string handle_control_line(BanList& bans, ops::EventSink& events, uint32_t default_ttl_s, std::string_view line, int64_t now_ms,
                                BruteForceGuard* bruteforce = nullptr);

class ControlServer {
 public:
  // `default_ttl_s` gives guards.banlist.default_ttl_s in force (a reload changes it).
  // `clock`: the chain's (the time at which a ban from the socket starts and lockouts end).
  ControlServer(BanList& bans, ops::EventSink& events, Clock clock, std::function<uint32_t()> default_ttl_s,
                BruteForceFinder bruteforce = {})
      : bans_(bans), events_(events), clock_(std::move(clock)), default_ttl_s_(std::move(default_ttl_s)), bruteforce_(std::move(bruteforce)) {}
  ~ControlServer() { stop(); }
  // Binds the socket (replacing a stale one) and serves it on a thread. kInvalid: the path
  // is too long for a unix socket; kUnavailable: it cannot be bound.
  Status start(const std::string& path);
  void stop();

 private:
  void serve();

  BanList& bans_;
  ops::EventSink& events_;
  Clock clock_;
  std::function<uint32_t()> default_ttl_s_;
  BruteForceFinder bruteforce_;
  std::string path_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

struct ControlReply {
  bool ok = false;
  std::string text;  // the result lines (without the final OK), or the error
};
// Client side: sends one line to the socket and reads the answer (bounded by timeout_ms).
ControlReply control_request(const std::string& path, std::string_view line, int timeout_ms = 5000);

}  // namespace imsguard::guard
