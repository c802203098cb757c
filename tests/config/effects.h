#pragma once
// Helpers of the tests that watch configuration keys act on a running `imsguard run`
// (tests/config/key_effects.h lists which test shows which key): SIGHUP with a rewritten
// file, bursts of requests from chosen loopback sources, the ban table through the control
// socket, the admin API's metrics, the TLS chain a new connection is shown, the CLI.
#include "cli_run.h"
#include "digest_phone.h"
#include "e2e_sip.h"
#include "guard/control.h"
#include "imsguard_process.h"
#include "sip_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <string>
#include <thread>
#include <vector>

namespace imsguard::testkit::effects {

using namespace std::chrono_literals;

// Runs the imsguard binary with `args`; its exit status and output (logs under `dir`).
inline CliRun cli(const std::string& dir, const std::vector<std::string>& args) { return run_imsguard(dir, args); }

// Writes `text` as the running edge's configuration, sends SIGHUP and waits for the reload's
// summary line; returns the log lines the reload wrote ("" when none came).
inline std::string reload(ImsguardProcess& proc, const std::string& text) {
  write_file(proc.config_path(), text);
  size_t mark = proc.log().size();
  if (::kill(proc.pid(), SIGHUP) != 0) return "";
  bool done = eventually(
      [&] {
        std::string log = proc.log();
        for (const char* end : {"SIGHUP: configuration reloaded", "SIGHUP: configuration only partly reloaded",
                                "SIGHUP: no configuration change", "SIGHUP: the running configuration is kept"})
          if (log.find(end, mark) != std::string::npos) return true;
        return false;
      },
      10s);
  // The summary is the last line a reload writes; give its line a moment to be complete.
  std::this_thread::sleep_for(50ms);
  return done ? proc.log().substr(mark) : "";
}

// Whether a reload's log names `key` as applied.
inline bool applied(const std::string& reload_log, const std::string& key) {
  return reload_log.find("SIGHUP: applied " + key + "\n") != std::string::npos;
}

// Rewrites the running edge's configuration as `text`, SIGHUP: success when the reload's log
// names each of `keys` as applied (else the log, to see what it did).
inline ::testing::AssertionResult reload_applies(ImsguardProcess& proc, const std::string& text,
                                                 std::initializer_list<std::string> keys) {
  std::string log = reload(proc, text);
  for (const auto& key : keys)
    if (!applied(log, key)) return ::testing::AssertionFailure() << key << " not applied; the reload said:\n" << log;
  return ::testing::AssertionSuccess();
}

// The fixture of the tests that change a running edge's keys by SIGHUP: an edge of the
// ImsguardProcess template without TLS (start(), with `extra_yaml` sections in its first
// file), `base` the file it started with, to which each reload appends its sections. At the
// end it must stop cleanly (exit 0); its data directory goes.
class ReloadedEdge : public ::testing::Test {
 protected:
  void start(const std::string& extra_yaml = {}) {
    ImsguardOptions o;
    o.tls = false;
    o.extra_yaml = extra_yaml;
    ASSERT_TRUE(proc.start(o)) << proc.log();
    port = proc.sip_port();
    base = read_file(proc.config_path());
  }
  void TearDown() override {
    if (base.empty()) return;
    EXPECT_EQ(proc.stop(), 0) << proc.log();
    std::filesystem::remove_all(proc.data_dir());
  }
  // base + `sections`, SIGHUP: whether each of `keys` was applied.
  ::testing::AssertionResult applies(const std::string& sections, std::initializer_list<std::string> keys) {
    return reload_applies(proc, base + sections, keys);
  }

  ImsguardProcess proc;
  uint16_t port = 0;
  std::string base;
};

// A request a stranger sends to the edge and gets an answer to (a MESSAGE from an
// unregistered source is answered 403), so that what is not answered was dropped.
inline std::string stranger_message(const std::string& address, uint16_t local_port, const std::string& call_id,
                                    const std::string& to_user = "bob", const std::string& extra = "") {
  return "MESSAGE sip:" + to_user + "@ims.local SIP/2.0\r\nVia: SIP/2.0/UDP " + address + ":" +
         std::to_string(local_port) + ";branch=z9hG4bK" + call_id + "\r\nMax-Forwards: 70\r\nFrom: <sip:probe@ims.local>;tag=" +
         call_id + "\r\nTo: <sip:" + to_user + "@ims.local>\r\nCall-ID: " + call_id + "\r\nCSeq: 1 MESSAGE\r\n" + extra +
         "Content-Length: 0\r\n\r\n";
}

// Receives answers on `peer` until `n` came or the line stays quiet; their count.
inline int answers(UdpPeer& peer, int n, std::chrono::milliseconds first = 3000ms) {
  int got = 0;
  while (got < n && peer.receive(got == 0 ? first : 1000ms)) ++got;
  return got;
}

// Sends `n` stranger MESSAGEs from `address` (one socket), `gap` apart; how many were answered.
inline int burst(const std::string& address, uint16_t port, int n, const std::string& tag,
                 std::chrono::milliseconds gap = 0ms, const std::string& extra = "") {
  UdpPeer peer(address);
  for (int i = 0; i < n; ++i) {
    peer.send(stranger_message(address, peer.local_port(), tag + "-" + std::to_string(i), "bob", extra), port);
    if (gap.count()) std::this_thread::sleep_for(gap);
  }
  return answers(peer, n);
}

// The running edge's ban table, one line per ban ("127.0.0.2/32 ttl=298s hits=3 by=flood ...").
inline std::string ban_list(const ImsguardProcess& proc) {
  auto r = guard::control_request(proc.data_dir() + "/control.sock", "ban list");
  return r.ok ? r.text : "ERROR " + r.text;
}

// The line of `ban_list` that starts with `prefix`, "" when there is none.
inline std::string ban_of(const ImsguardProcess& proc, const std::string& prefix) {
  std::string list = ban_list(proc);
  for (size_t at = 0; at < list.size();) {
    size_t end = list.find('\n', at);
    std::string line = list.substr(at, end == std::string::npos ? std::string::npos : end - at);
    if (line.rfind(prefix, 0) == 0) return line;
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return "";
}

// The ttl=N of a ban line, -1 when none.
inline int ttl_of(const std::string& ban_line) {
  size_t at = ban_line.find(" ttl=");
  return at == std::string::npos ? -1 : std::stoi(ban_line.substr(at + 5));
}

// The events written since `mark` (a size of the events file).
inline std::string events_after(const ImsguardProcess& proc, size_t mark) {
  std::string all = proc.events();
  return mark < all.size() ? all.substr(mark) : "";
}

// The certificates a new TLS connection to 127.0.0.1:port is shown, leaf first, as DER.
inline std::vector<std::string> served_chain(uint16_t port, int max_version = 0, const std::string& address = "127.0.0.1") {
  std::vector<std::string> out;
  int fd = connect_loopback(address, port, std::chrono::seconds(5));
  if (fd >= 0) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);  // what is shown is the question here
    if (max_version) SSL_CTX_set_max_proto_version(ctx, max_version);
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) == 1) {
      STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);
      for (int i = 0; chain && i < sk_X509_num(chain); ++i) {
        unsigned char* der = nullptr;
        int len = i2d_X509(sk_X509_value(chain, i), &der);
        if (len > 0) out.emplace_back(reinterpret_cast<char*>(der), static_cast<size_t>(len));
        OPENSSL_free(der);
      }
      SSL_shutdown(ssl);
    }
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    ::close(fd);
  }
  return out;
}

// The certificate of a PEM file as DER ("" when unreadable).
inline std::string certificate_der(const std::string& path) {
  BIO* bio = BIO_new_file(path.c_str(), "r");
  if (!bio) return "";
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!cert) return "";
  unsigned char* der = nullptr;
  int len = i2d_X509(cert, &der);
  std::string out = len > 0 ? std::string(reinterpret_cast<char*>(der), static_cast<size_t>(len)) : "";
  OPENSSL_free(der);
  X509_free(cert);
  return out;
}

// The value of one sample line ("name value") of Prometheus text, -1 when absent.
inline double metric(const std::string& text, const std::string& name) {
  size_t at = 0;
  while ((at = text.find(name + " ", at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') return std::stod(text.substr(at + name.size() + 1));
    at += name.size();
  }
  return -1;
}

// GET `path` from the admin listener with the bearer `token` over plain HTTP: the status
// line's code and the body (0 and "" when nothing answered).
inline std::pair<int, std::string> admin_get(uint16_t port, const std::string& path, const std::string& token,
                                             const std::string& address = "127.0.0.1") {
  std::string reply;
  int fd = connect_loopback(address, port, std::chrono::seconds(5));
  if (fd >= 0) {
    std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
                      (token.empty() ? "" : "Authorization: Bearer " + token + "\r\n") + "\r\n";
    (void)!::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
    char buf[8192];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) reply.append(buf, static_cast<size_t>(n));
    ::close(fd);
  }
  if (reply.rfind("HTTP/1.1 ", 0) != 0) return {0, ""};
  size_t body = reply.find("\r\n\r\n");
  return {std::stoi(reply.substr(9, 3)), body == std::string::npos ? "" : reply.substr(body + 4)};
}

// Every header line named `name` in a message, in order (case-sensitive name).
inline std::vector<std::string> headers_named(const std::string& message, const std::string& name) {
  std::vector<std::string> out;
  size_t at = 0;
  while ((at = message.find("\r\n" + name + ":", at)) != std::string::npos) {
    size_t start = at + 2 + name.size() + 1;
    size_t end = message.find("\r\n", start);
    std::string v = message.substr(start, end - start);
    while (!v.empty() && v.front() == ' ') v.erase(v.begin());
    out.push_back(v);
    at = end;
  }
  return out;
}

// Whether a TCP connection to address:port is accepted.
inline bool tcp_accepts(const std::string& address, uint16_t port) {
  int fd = connect_loopback(address, port, std::chrono::seconds(5));
  if (fd >= 0) ::close(fd);
  return fd >= 0;
}

// One SIP request over a fresh TLS connection (no client certificate) to address:port; the
// first answer, "" when the handshake or the answer failed.
inline std::string tls_request(const std::string& address, uint16_t port, const std::string& request) {
  std::string answer;
  int fd = connect_loopback(address, port, std::chrono::seconds(5));
  if (fd >= 0) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) == 1 && SSL_write(ssl, request.data(), static_cast<int>(request.size())) > 0) {
      char buf[4096];
      int n = SSL_read(ssl, buf, sizeof buf);
      if (n > 0) answer.assign(buf, static_cast<size_t>(n));
    }
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    ::close(fd);
  }
  return answer;
}

// Threads of a running process.
inline int thread_count(pid_t pid) {
  int n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++n;
  return n;
}

// A running `imsguard run --demo` on a configuration written in full by the test (for keys
// ImsguardProcess's template fixes), started and stopped by ImsguardProcess::start_config. Its
// data directory is <dir>/data, its events <dir>/events.jsonl; it is ready when UDP
// 127.0.0.1:probe_port answers OPTIONS.
class Edge {
 public:
  // `yaml()` is asked again (fresh ports) when a port was taken meanwhile.
  bool start(const std::string& dir, const std::function<std::string()>& yaml, const uint16_t& probe_port) {
    dir_ = dir;
    return process_.start_config(dir_ + "/imsguard.yaml", dir_ + "/data", yaml, probe_port);
  }
  // start() on the head (roles [edge, core]) and one UDP listener on 127.0.0.1 (its port:
  // udp_port()), with `sip` lines in the sip: section before the listener and `rest`
  // (top-level sections) after it.
  bool start_udp(const std::string& dir, const std::string& sip, const std::string& rest = {}) {
    return start(
        dir,
        [&] {
          udp_port_ = free_port();
          return head(dir, "[edge, core]") + "sip:\n" + sip + "  listen:\n    - { transport: udp, address: 127.0.0.1, port: " +
                 std::to_string(udp_port_) + " }\n" + rest;
        },
        udp_port_);
  }
  uint16_t udp_port() const { return udp_port_; }
  int stop() { return process_.stop(); }
  void kill_hard() { process_.kill_hard(); }
  pid_t pid() const { return process_.pid(); }
  std::string log() const { return process_.log(); }
  std::string events() const { return read_file(dir_ + "/events.jsonl"); }
  std::string data_dir() const { return process_.data_dir(); }
  const std::string& dir() const { return dir_; }
  // The head every such configuration starts with.
  static std::string head(const std::string& dir, const std::string& roles) {
    return "roles: " + roles + "\ndata_dir: " + dir + "/data\nevents: { output: " + dir + "/events.jsonl }\n";
  }
  // A demo credential ("password", "k", "opc", "impi") from the demo file.
  std::string demo(const std::string& scheme, const std::string& field) const { return process_.demo(scheme, field); }

 private:
  ImsguardProcess process_;
  std::string dir_;
  uint16_t udp_port_ = 0;
};

// The Authorization answering the Digest challenge of `challenge` for REGISTER sip:ims.local
// (DigestPhone::answer: the qop it offers, auth-int over an empty body when that is all).
inline std::string digest_answer(const std::string& challenge, const std::string& impi, const std::string& password) {
  auto c = DigestPhone::challenge_of(challenge);
  return c ? DigestPhone::answer(*c, impi, password) : std::string();
}

// A REGISTER of `impu` (IMPI its user@host) from `peer` with `extra` headers.
inline std::string register_of(UdpPeer& peer, const std::string& impu, int cseq, const std::string& extra) {
  return sip_request("REGISTER", "sip:ims.local", impu, peer.local_port(), cseq, "fx-" + std::to_string(peer.local_port()),
                     "Contact: <sip:u@127.0.0.1:" + std::to_string(peer.local_port()) + ">\r\n" + extra);
}

// REGISTER, challenge, Digest answer: the final answer ("" when none). `extra`: headers of both.
inline std::string digest_register(UdpPeer& peer, uint16_t port, const std::string& impu, const std::string& password,
                                   const std::string& extra = "Expires: 600\r\n") {
  static int cseq = 0;
  std::string impi = impu.substr(impu.find(':') + 1);
  peer.send(register_of(peer, impu, ++cseq, extra), port);
  auto challenge = next_response(peer, 5s);
  if (!challenge || status_of(*challenge) != 401) return challenge ? *challenge : "";
  peer.send(register_of(peer, impu, ++cseq, extra + digest_answer(*challenge, impi, password)), port);
  auto final = next_response(peer, 5s);
  return final ? *final : "";
}

}  // namespace imsguard::testkit::effects
