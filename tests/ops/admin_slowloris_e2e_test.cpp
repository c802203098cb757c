// Slow clients against the admin API of a real `imsguard run` (issue 17, F13): connections
// that trickle a request one byte at a time, unauthenticated, from the scraper's own address
// and from another one, while /metrics is polled. Every poll must be answered: a slow client
// holds a thread only until the request deadline, and one source only a few threads.
#define CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_ZLIB_SUPPORT
#define CPPHTTPLIB_BROTLI_SUPPORT
#include "imsguard_process.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

const std::string kToken = "slowloris-admin-token-8c2e51";

// A connection from `from` that sends a request header one byte every `gap` until `stop`.
void slowloris(const std::string& from, uint16_t port, std::chrono::milliseconds gap, const std::atomic<bool>& stop) {
  while (!stop) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in local{}, to{};
    local.sin_family = to.sin_family = AF_INET;
    inet_pton(AF_INET, from.c_str(), &local.sin_addr);
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    to.sin_port = htons(port);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
        ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
      ::close(fd);
      std::this_thread::sleep_for(gap);
      continue;
    }
    const std::string header = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + std::string(4000, 'a');
    // Reconnects when the server gives up on it, as a real slow-loris does.
    for (size_t i = 0; i < header.size() && !stop; ++i) {
      if (::send(fd, &header[i], 1, MSG_NOSIGNAL) != 1) break;
      std::this_thread::sleep_for(gap);
    }
    ::close(fd);
    std::this_thread::sleep_for(gap);
  }
}

TEST(AdminSlowloris, MetricsStayAvailableWhileSlowClientsTrickleRequests) {
  uint16_t admin_port = free_port();
  ImsguardOptions o;
  o.tls = false;
  o.extra_yaml = "admin:\n  listen: { address: 127.0.0.1, port: " + std::to_string(admin_port) + " }\n  token: \"" + kToken + "\"\n";
  ImsguardProcess proc;
  ASSERT_TRUE(proc.start(o)) << proc.log();
  httplib::Client scraper("127.0.0.1", admin_port);
  scraper.set_connection_timeout(3, 0);
  scraper.set_read_timeout(3, 0);
  httplib::Headers auth{{"Authorization", "Bearer " + kToken}};
  auto before = scraper.Get("/metrics", auth);
  ASSERT_TRUE(before) << proc.log();
  ASSERT_EQ(before->status, 200);

  std::atomic<bool> stop{false};
  std::vector<std::thread> attackers;
  // Two from the scraper's own address (the finding), six more from another address.
  for (int i = 0; i < 2; ++i) attackers.emplace_back(slowloris, "127.0.0.1", admin_port, 500ms, std::cref(stop));
  for (int i = 0; i < 6; ++i) attackers.emplace_back(slowloris, "127.0.0.2", admin_port, 500ms, std::cref(stop));
  std::this_thread::sleep_for(1s);  // every slow connection is in, trickling
  int answered = 0, polls = 0;
  for (auto until = std::chrono::steady_clock::now() + 12s; std::chrono::steady_clock::now() < until; ++polls) {
    httplib::Client c("127.0.0.1", admin_port);
    c.set_connection_timeout(3, 0);
    c.set_read_timeout(8, 0);
    auto r = c.Get("/metrics", auth);
    if (r && r->status == 200 && r->body.find("imsguard_") != std::string::npos) ++answered;
    std::this_thread::sleep_for(500ms);
  }
  stop = true;
  for (auto& t : attackers) t.join();
  EXPECT_EQ(answered, polls) << "/metrics went unanswered while slow clients held the admin server";
  EXPECT_GE(polls, 3);
}

}  // namespace
