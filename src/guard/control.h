#pragma once
// Ban management without a restart: the running process listens on a unix socket in its
// data directory (<data_dir>/control.sock, mode 0600: only the process owner may ban) and
// `imsguard ban list|add|remove` talks to it. One request line per connection, answered by
// result lines and a last line "OK" or "ERROR <why>":
//   ban list
//   ban add <address[/prefix]> [ttl_s|-] [reason words...]   (- : the default TTL)
//   ban remove <address[/prefix]>
#include "guard/banlist.h"

#include <atomic>
#include <string>
#include <thread>

namespace imsguard::guard {

// The answer to one request line (without the transport): lines, last one OK/ERROR.
std::string handle_control_line(BanList& bans, uint32_t default_ttl_s, std::string_view line, int64_t now_ms);

class ControlServer {
 public:
  ControlServer(BanList& bans, uint32_t default_ttl_s) : bans_(bans), default_ttl_s_(default_ttl_s) {}
  ~ControlServer() { stop(); }
  // Binds the socket (replacing a stale one) and serves it on a thread. Error text or "".
  std::string start(const std::string& path);
  void stop();

 private:
  void serve();

  BanList& bans_;
  uint32_t default_ttl_s_;
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
