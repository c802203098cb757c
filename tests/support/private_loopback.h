#pragma once
// A network namespace of the test's own with only its loopback up, for the tests that count
// packets on `lo`: the machine's loopback also carries every other session's traffic (a sipp
// flood, another call), and a capture there once counted "3 RTP sources" for a one-stream call.
// The calling thread enters it (namespaces are per thread); the processes it starts afterwards
// (imsguard, baresip, linphonec, the client) and the threads it spawns (a LoopbackTap's) inherit
// it, so their packets are the only ones on this `lo`. Root only. Header-only.
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <string>
#include <thread>

namespace imsguard::testkit {

class PrivateLoopback {
 public:
  PrivateLoopback() = default;
  ~PrivateLoopback() { leave(); }
  PrivateLoopback(const PrivateLoopback&) = delete;
  PrivateLoopback& operator=(const PrivateLoopback&) = delete;

  // Moves the calling thread into a fresh namespace and brings its `lo` up (127.0.0.0/8, ::1).
  bool enter(std::string& error) {
    host_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (host_ < 0) return fail(error, "open /proc/thread-self/ns/net");
    if (::unshare(CLONE_NEWNET) != 0) return fail(error, "unshare(CLONE_NEWNET) (needs root)");
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(error, "socket");
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    bool up = ::ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
    up = up && ::ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
    ::close(fd);
    return up || fail(error, "bring lo up");
  }

  // Runs `send` on a thread in the namespace the test left (the machine's loopback), as another
  // session would: what it sends there must not reach this namespace's captures.
  bool on_host_loopback(const std::function<void()>& send) const {
    if (host_ < 0) return false;
    bool entered = false;
    std::thread t([&] {
      entered = ::setns(host_, CLONE_NEWNET) == 0;
      if (entered) send();
    });
    t.join();
    return entered;
  }

 private:
  void leave() {
    if (host_ < 0) return;
    ::setns(host_, CLONE_NEWNET);  // the namespace lives on while the test's processes are in it
    ::close(host_);
    host_ = -1;
  }
  static bool fail(std::string& error, const std::string& what) {
    error = what + ": " + std::strerror(errno);
    return false;
  }

  int host_ = -1;
};

}  // namespace imsguard::testkit
