#include "guard/control.h"

#include "guard/bruteforce.h"
#include "guard/chain.h"
#include "ops/events.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <charconv>
#include <cstring>
#include <sstream>

namespace imsguard::guard {

namespace {

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t' && s[j] != '\r' && s[j] != '\n') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

bool fill_addr(const std::string& path, sockaddr_un& addr) {
  std::memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return false;
  std::memcpy(addr.sun_path, path.data(), path.size());
  return true;
}

bool write_all(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    s.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads until `stop_at_newline` sees one, EOF, 64 KiB, or the deadline.
std::string read_some(int fd, int timeout_ms, bool stop_at_newline) {
  std::string out;
  char buf[4096];
  while (out.size() < (1u << 20)) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) break;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (stop_at_newline && out.find('\n') != std::string::npos) break;
    if (stop_at_newline && out.size() > 65536) break;
  }
  return out;
}

}  // namespace

std::string handle_control_line(BanList& bans, ops::EventSink& events, uint32_t default_ttl_s, std::string_view line, int64_t now_ms,
                                BruteForceGuard* bruteforce) {
  auto w = split_words(line);
  auto err = [](std::string why) { return "ERROR " + why + "\n"; };
  if (w.size() == 2 && w[0] == "unlock") {
    if (!bruteforce) return err("the brute-force guard is off (guards.bruteforce): nothing is locked out");
    auto lifted = bruteforce->unlock(w[1], now_ms);
    if (!lifted) return err("no lockout for " + std::string(w[1]));
    return "unlocked " + std::string(lifted->kind_name()) + " " + lifted->subject + " (" + lifted->reason + ")\nOK\n";
  }
  if (w.size() < 2 || w[0] != "ban")
    return err("expected: ban list | ban add ADDR[/LEN] [TTL_S] [REASON] | ban remove ADDR[/LEN] | unlock IMPI|ADDRESS");
  if (w[1] == "list" && w.size() == 2) {
    std::string out;
    for (const auto& b : bans.list(now_ms)) out += b.to_string(now_ms) + "\n";
    if (bruteforce)
      for (const auto& l : bruteforce->lockouts(now_ms)) out += l.to_string(now_ms) + "\n";
    return out + "OK\n";
  }
  if ((w[1] == "add" || w[1] == "remove") && w.size() >= 3) {
    auto p = parse_prefix(w[2]);
    if (!p) return err(p.message());
    if (w[1] == "remove") {
      if (!bans.remove(*p)) return err("no ban for " + p->to_string());
      events.emit({"banlist", p->to_string(), "", "unban", "removed by an operator"});
      return "removed " + p->to_string() + "\nOK\n";
    }
    uint32_t ttl = default_ttl_s;
    size_t reason_at = 3;
    if (w.size() > 3 && w[3] == "-") {
      reason_at = 4;  // the default TTL, then the reason
    } else if (w.size() > 3) {
      uint32_t v = 0;
      auto [ptr, ec] = std::from_chars(w[3].data(), w[3].data() + w[3].size(), v);
      if (ec == std::errc() && ptr == w[3].data() + w[3].size()) {
        if (v == 0) return err("ttl must be at least 1 s");
        ttl = v;
        reason_at = 4;
      }
    }
    std::string reason;
    for (size_t i = reason_at; i < w.size(); ++i) reason += (reason.empty() ? "" : " ") + std::string(w[i]);
    if (reason.empty()) reason = "banned by an operator";
    bans.ban(*p, 0, ttl, reason, "admin", false, now_ms);
    events.emit({"banlist", p->to_string(), "", "ban", reason});
    return "banned " + p->to_string() + " for " + std::to_string(ttl) + " s\nOK\n";
  }
  return err("unknown command '" + std::string(line.substr(0, 80)) + "'");
}

Status ControlServer::start(const std::string& path) {
  sockaddr_un addr;
  if (!fill_addr(path, addr)) return invalid_argument("control socket path too long: " + path);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return unavailable_error(std::string("control socket: ") + std::strerror(errno));
  ::unlink(path.c_str());  // a stale socket of a previous run
  mode_t old = ::umask(0177);
  int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::umask(old);
  if (rc != 0 || ::listen(fd, 16) != 0) {
    std::string e = std::strerror(errno);
    ::close(fd);
    return unavailable_error("control socket " + path + ": " + e);
  }
  fd_ = fd;
  path_ = path;
  stop_ = false;
  thread_ = std::thread([this] { serve(); });
  return {};
}

void ControlServer::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(path_.c_str());
    fd_ = -1;
  }
}

void ControlServer::serve() {
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    std::string req = read_some(c, 2000, true);
    std::string line = req.substr(0, req.find('\n'));
    write_all(c, handle_control_line(bans_, events_, default_ttl_s_(), line, clock_(), bruteforce_ ? bruteforce_() : nullptr));
    ::close(c);
  }
}

ControlReply control_request(const std::string& path, std::string_view line, int timeout_ms) {
  ControlReply r;
  sockaddr_un addr;
  if (!fill_addr(path, addr)) {
    r.text = "control socket path too long: " + path;
    return r;
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    r.text = "cannot reach the running imsguard at " + path + ": " + std::strerror(errno) +
             " (is `imsguard run` running with this data_dir?)";
    if (fd >= 0) ::close(fd);
    return r;
  }
  std::string req(line);
  req += "\n";
  if (!write_all(fd, req)) {
    ::close(fd);
    r.text = "cannot send to " + path;
    return r;
  }
  std::string reply = read_some(fd, timeout_ms, false);
  ::close(fd);
  // Last line: OK or ERROR ...
  std::string body = reply;
  while (!body.empty() && body.back() == '\n') body.pop_back();
  size_t nl = body.rfind('\n');
  std::string last = nl == std::string::npos ? body : body.substr(nl + 1);
  std::string rest = nl == std::string::npos ? std::string() : body.substr(0, nl + 1);
  if (last == "OK") {
    r.ok = true;
    r.text = rest;
  } else if (last.rfind("ERROR ", 0) == 0) {
    r.text = last.substr(6);
  } else {
    r.text = "no answer from " + path;
  }
  return r;
}

}  // namespace imsguard::guard
