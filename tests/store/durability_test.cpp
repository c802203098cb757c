// Crash durability: a process killed with SIGKILL must not have handed out an SQN (or
// acknowledged a binding) that a restarted process does not know about.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "store/sqlite_binding_store.h"
#include "store/sqlite_subscriber_store.h"
#include "temp_dir.h"

namespace imsguard::store {
namespace {

using testing::TempDir;

constexpr const char* kImpi = "bob@ims.local";

Subscriber aka_user() {
  Subscriber s;
  s.impi = kImpi;
  s.impus = {"sip:bob@ims.local"};
  s.realm = "ims.local";
  s.scheme = AuthScheme::kAka;
  s.k.fill(0x11);
  s.opc.fill(0x22);
  return s;
}

bool write_all(int fd, const void* data, std::size_t size) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Reads whole 8-byte values; waits at most timeout_ms for each chunk. Returns false on EOF
// or timeout.
bool read_values(int fd, std::vector<uint64_t>& out, std::string& partial, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return false;
  char buf[4096];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n <= 0) return false;
  partial.append(buf, static_cast<std::size_t>(n));
  while (partial.size() >= sizeof(uint64_t)) {
    uint64_t v;
    std::memcpy(&v, partial.data(), sizeof v);
    out.push_back(v);
    partial.erase(0, sizeof v);
  }
  return true;
}

// The child: its own connection (nothing SQLite-related crosses the fork), reserves SQNs with
// a SEQ/IND-like step of 32 and reports each one only after reserve_sqn returned. Bounded.
[[noreturn]] void child_reserve_loop(const std::string& path, int fd) {
  auto store = SqliteSubscriberStore::open(path);
  if (!store) _exit(3);
  for (int i = 0; i < 20000; ++i) {
    auto r = store.value()->reserve_sqn(kImpi, [](uint64_t c) { return c + 32; });
    if (!r) _exit(4);
    uint64_t v = r.value();
    if (!write_all(fd, &v, sizeof v)) _exit(5);
  }
  _exit(0);
}

TEST(DurabilityTest, SqnIsNeverReusedAfterKill9) {
  TempDir dir;
  std::string path = dir.file("imsguard.db");
  {
    auto store = SqliteSubscriberStore::open(path);
    ASSERT_TRUE(store.ok()) << store.message();
    ASSERT_TRUE(store.value()->add(aka_user()).ok());
  }
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    child_reserve_loop(path, fds[1]);
  }
  ::close(fds[1]);
  std::vector<uint64_t> reported;
  std::string partial;
  // Let the child get well into its loop, then kill it mid-stride.
  while (reported.size() < 50 && read_values(fds[0], reported, partial, 30000)) {
  }
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child ended before the kill: " << status;
  // Everything the child managed to report before dying counts too.
  while (read_values(fds[0], reported, partial, 0)) {
  }
  ::close(fds[0]);
  ASSERT_GE(reported.size(), 50u);
  uint64_t highest = *std::max_element(reported.begin(), reported.end());

  auto reopened = SqliteSubscriberStore::open(path);
  ASSERT_TRUE(reopened.ok()) << reopened.message();
  auto stored = reopened.value()->find(kImpi);
  ASSERT_TRUE(stored.ok() && stored.value().has_value());
  EXPECT_GE(stored.value()->sqn, highest);
  auto next = reopened.value()->reserve_sqn(kImpi, [](uint64_t c) { return c + 32; });
  ASSERT_TRUE(next.ok()) << next.message();
  EXPECT_GT(next.value(), highest);
  for (std::size_t i = 1; i < reported.size(); ++i) EXPECT_GT(reported[i], reported[i - 1]);
}

TEST(DurabilityTest, AcknowledgedBindingsSurviveKill9) {
  TempDir dir;
  std::string path = dir.file("imsguard.db");
  {
    auto store = SqliteBindingStore::open(path);  // create the schema before forking
    ASSERT_TRUE(store.ok()) << store.message();
  }
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    auto store = SqliteBindingStore::open(path);
    if (!store) _exit(3);
    for (uint64_t i = 0; i < 20000; ++i) {
      Binding b;
      b.aor = "sip:user" + std::to_string(i) + "@ims.local";
      b.contact = "sip:u@127.0.0.1:" + std::to_string(10000 + i % 50000);
      b.impi = "user" + std::to_string(i);
      b.transport = "udp";
      b.source = "127.0.0.1:5070";
      b.expires_at = 4'000'000'000;
      if (!store.value()->upsert(b)) _exit(4);
      if (!write_all(fds[1], &i, sizeof i)) _exit(5);
    }
    _exit(0);
  }
  ::close(fds[1]);
  std::vector<uint64_t> acked;
  std::string partial;
  while (acked.size() < 200 && read_values(fds[0], acked, partial, 30000)) {
  }
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  while (read_values(fds[0], acked, partial, 0)) {
  }
  ::close(fds[0]);
  ASSERT_GE(acked.size(), 200u);

  auto reopened = SqliteBindingStore::open(path);
  ASSERT_TRUE(reopened.ok()) << reopened.message();
  for (uint64_t i : acked) {
    auto found = reopened.value()->lookup("sip:user" + std::to_string(i) + "@ims.local", 0);
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(found.value().size(), 1u) << "binding " << i << " was acknowledged but is lost";
  }
}

}  // namespace
}  // namespace imsguard::store
