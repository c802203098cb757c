// The Debian package end to end (issue 19, point 8): scripts/package.sh builds the .deb from
// the binary under test, its contents are checked with dpkg-deb, then fresh_root.sh installs
// it with dpkg in a fresh root (see that script for what "fresh" means) and starts the
// installed binary as the installed systemd unit says: ExecStartPre (check-config) and
// ExecStart (run) with the unit's User, Group and WorkingDirectory, in a network namespace of
// its own. The test then reaches the running edge over TLS on the packaged configuration's
// port from inside that namespace, checks what the postinst made (user, group, directories
// and their owners), and stops the process by its PID.
//
// Not covered: systemd itself (no systemd runs in the test), the unit's sandboxing options,
// upgrades and purge, and the release build (package.sh builds it when --binary is not given;
// here the test binary is packaged, so its sanitizer libraries are among the Depends).
#include "process.h"
#include "sip_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <thread>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

struct Run {
  int status = -1;
  std::string output;
};

Run run(const std::vector<std::string>& argv, const std::string& log, std::chrono::seconds timeout = 120s) {
  ChildProcess p;
  Run r;
  if (!p.start(argv, log)) return r;
  r.status = p.wait(timeout);
  if (r.status == -2) r.status = p.stop();
  r.output = read_file(log);
  return r;
}

// An OPTIONS over TLS to 127.0.0.1:port inside the network namespace of `pid` (setns in a
// thread of its own, whose socket stays in that namespace); the status line, or why not.
std::string options_over_tls_in(pid_t pid, uint16_t port) {
  std::string result = "no answer";
  std::thread t([&] {
    int ns = ::open(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0 || ::setns(ns, CLONE_NEWNET) != 0) {
      result = "cannot enter the network namespace";
      if (ns >= 0) ::close(ns);
      return;
    }
    ::close(ns);
    int fd = connect_loopback("127.0.0.1", port, std::chrono::seconds(10));
    if (fd < 0) {
      result = "cannot connect";
      return;
    }
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);  // the generated private CA: only the answer matters here
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) == 1) {
      std::string req =
          "OPTIONS sip:ims.example.net SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5099;branch=z9hG4bKpkg1\r\n"
          "Max-Forwards: 70\r\nFrom: <sip:probe@ims.example.net>;tag=p1\r\nTo: <sip:ims.example.net>\r\n"
          "Call-ID: package-e2e\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
      SSL_write(ssl, req.data(), static_cast<int>(req.size()));
      char buf[4096];
      int n = SSL_read(ssl, buf, sizeof buf);
      result = n > 0 ? std::string(buf, static_cast<size_t>(n)).substr(0, std::string(buf, static_cast<size_t>(n)).find("\r\n"))
                     : "TLS read failed";
      SSL_shutdown(ssl);
    } else {
      result = "TLS handshake failed";
    }
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    ::close(fd);
  });
  t.join();
  return result;
}

// uid of `name` in a passwd file's text, or -1.
long uid_in(const std::string& passwd, const std::string& name) {
  std::istringstream in(passwd);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(name + ":", 0) == 0) {
      std::istringstream fields(line);
      std::string f;
      for (int i = 0; i < 3 && std::getline(fields, f, ':'); ++i) {
      }
      return std::stol(f);
    }
  return -1;
}

long owner_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<long>(st.st_uid) : -1;
}

TEST(PackageE2e, TheDebInstallsInAFreshRootAndItsUnitStartsTheEdge) {
  std::string dir = make_temp_dir("imsguard-package");
  auto built = run({IMSGUARD_SOURCE_DIR "/scripts/package.sh", "--binary", IMSGUARD_BIN, "--output", dir + "/out"},
                   dir + "/package.log", 280s);
  ASSERT_EQ(built.status, 0) << built.output;
  std::string deb;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/out"))
    if (e.path().extension() == ".deb") deb = e.path();
  ASSERT_FALSE(deb.empty()) << built.output;

  // What dpkg-deb says the package holds.
  auto info = run({"/usr/bin/dpkg-deb", "-I", deb}, dir + "/info.log");
  ASSERT_EQ(info.status, 0) << info.output;
  for (const char* needle : {"Package: imsguard", "Depends: adduser, ", "libssl3", "libsqlite3-0", "postinst", "conffiles"})
    EXPECT_NE(info.output.find(needle), std::string::npos) << needle << "\n" << info.output;
  auto conffiles = run({"/usr/bin/dpkg-deb", "-I", deb, "conffiles"}, dir + "/conffiles.log");
  EXPECT_EQ(conffiles.output, "/etc/imsguard/imsguard.yaml\n/etc/logrotate.d/imsguard\n");
  auto contents = run({"/usr/bin/dpkg-deb", "-c", deb}, dir + "/contents.log");
  ASSERT_EQ(contents.status, 0);
  for (const char* path : {"./usr/bin/imsguard", "./lib/systemd/system/imsguard.service", "./etc/imsguard/imsguard.yaml",
                           "./etc/logrotate.d/imsguard", "./usr/share/man/man1/imsguard.1.gz",
                           "./usr/share/man/man1/imsguard-registration.1.gz", "./usr/share/man/man1/imsguard-unlock.1.gz",
                           "./usr/share/man/man1/imsguard-run.1.gz", "./usr/share/doc/imsguard/copyright"})
    EXPECT_NE(contents.output.find(std::string(path) + "\n"), std::string::npos) << path;

  // Installed in a fresh root and started as the unit says; the PID we hold becomes imsguard's.
  std::string root = dir + "/root";
  ChildProcess edge;
  ASSERT_TRUE(edge.start({"/usr/bin/unshare", "--mount", "--net", "--propagation", "private", "/bin/bash",
                          IMSGUARD_SOURCE_DIR "/tests/packaging/fresh_root.sh", deb, root},
                         dir + "/fresh-root.log"));
  ASSERT_TRUE(eventually([&] { return !edge.running() || edge.log().find("imsguard running") != std::string::npos; }, 150s))
      << edge.log();
  ASSERT_TRUE(edge.running()) << edge.log();
  std::string log = edge.log();
  EXPECT_NE(log.find("fresh-root: installed: imsguard "), std::string::npos) << log;
  EXPECT_NE(log.find("install ok installed"), std::string::npos) << log;
  EXPECT_NE(log.find("fresh-root: conffiles: /etc/imsguard/imsguard.yaml "), std::string::npos) << log;
  EXPECT_NE(log.find("fresh-root: unit: User=imsguard Group=imsguard ExecStart=/usr/bin/imsguard run --config "
                     "/etc/imsguard/imsguard.yaml --data-dir /var/lib/imsguard"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("configuration OK: /etc/imsguard/imsguard.yaml\nfresh-root: ExecStartPre passed as imsguard"),
            std::string::npos)
      << log;

  // The postinst made the user and group, and the process runs as that user.
  const std::string in_root = "/proc/" + std::to_string(edge.pid()) + "/root";
  long uid = uid_in(read_file(in_root + "/etc/passwd"), "imsguard");
  ASSERT_GT(uid, 0) << read_file(in_root + "/etc/passwd");
  EXPECT_NE(read_file(in_root + "/etc/group").find("\nimsguard:x:"), std::string::npos);
  std::string status = read_file("/proc/" + std::to_string(edge.pid()) + "/status");
  EXPECT_NE(status.find("Uid:\t" + std::to_string(uid) + "\t"), std::string::npos) << status;
  // Its state and its security events where the packaged configuration puts them, its own.
  EXPECT_EQ(owner_of(in_root + "/var/lib/imsguard"), uid);
  EXPECT_EQ(owner_of(in_root + "/var/lib/imsguard/imsguard.db"), uid);
  EXPECT_EQ(owner_of(in_root + "/var/log/imsguard/events.jsonl"), uid);
  EXPECT_NE(log.find("security events: /var/log/imsguard/events.jsonl"), std::string::npos) << log;

  // The edge answers on the packaged configuration's TLS port, inside its namespace.
  EXPECT_EQ(options_over_tls_in(edge.pid(), 5061), "SIP/2.0 200 OK") << edge.log();

  EXPECT_EQ(edge.stop(), 0) << edge.log();
  EXPECT_NE(edge.log().find("imsguard stopped"), std::string::npos) << edge.log();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
