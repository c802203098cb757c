// The event log under attack on a real `imsguard run` (issue 17, F19): spoofed sources each
// earning a ban, and one unregistered source sending under every rate limit, must write one
// event per episode and a bounded number of lines, with counts that add up.
#include "e2e_sip.h"

#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <thread>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The sum of "count" over the lines containing `what` (a line without a count counts 1).
uint64_t total(const std::string& text, const std::string& what) {
  std::istringstream in(text);
  std::string line;
  uint64_t sum = 0;
  static const std::regex kCount(R"("count":([0-9]+))");
  while (std::getline(in, line)) {
    if (line.find(what) == std::string::npos) continue;
    std::smatch m;
    sum += std::regex_search(line, m, kCount) ? std::stoull(m[1]) : 1;
  }
  return sum;
}

class EventFloodE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    ImsguardOptions o;
    o.tls = false;
    ASSERT_TRUE(edge_.start(o)) << edge_.log();
  }
  ImsguardProcess edge_;
};

TEST_F(EventFloodE2e, SpoofedScannerSourcesDoNotWriteALinePerBan) {
  SpoofedUdp raw;
  ASSERT_TRUE(raw.ok()) << "raw sockets need root";
  constexpr int kSources = 3000;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kSources; ++i) {
    // One source per /24, in 127.16.0.0/12.
    std::string ip = "127." + std::to_string(16 + i / 250) + "." + std::to_string(i % 250) + ".1";
    ASSERT_TRUE(raw.send(ip, 5060, "127.0.0.1", edge_.sip_port(),
                         sip_request("OPTIONS", "sip:100@ims.local", "sip:100@ims.local", 5060, 1, "ef-" + std::to_string(i),
                                     "User-Agent: friendly-scanner\r\n")));
    if (i % 100 == 99) std::this_thread::sleep_for(5ms);  // let the edge keep up (no kernel drops)
  }
  // Each datagram the edge read is a ban in its table (the kernel may drop some under load).
  std::this_thread::sleep_for(1500ms);
  ChildProcess list;
  std::string list_log = edge_.data_dir() + "/ban-list.log";
  ASSERT_TRUE(list.start({IMSGUARD_BIN, "ban", "list", "--data-dir", edge_.data_dir()}, list_log));
  ASSERT_EQ(list.wait(60s), 0) << read_file(list_log);
  uint64_t bans = count(read_file(list_log), "by=scanner");
  EXPECT_GE(bans, static_cast<uint64_t>(kSources) / 2) << read_file(list_log).substr(0, 2000);
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start).count() + 1;
  ASSERT_EQ(edge_.stop(), 0);
  std::string events = edge_.events();
  size_t lines = count(events, "\"guard\":\"scanner\"");
  EXPECT_GT(lines, 0u) << events.substr(0, 2000);
  // At most 50 lines a second for everything (the default cap), far fewer than the bans.
  EXPECT_LE(lines, static_cast<size_t>(50 * (seconds + 1))) << "one line per spoofed source";
  EXPECT_LT(lines, static_cast<size_t>(kSources / 4));
  // What was not written is counted: the suppressed summary accounts for the rest.
  EXPECT_NE(events.find("\"guard\":\"events\",\"source\":\"\",\"identity\":\"\",\"action\":\"suppressed\""),
            std::string::npos);
  uint64_t accounted = total(events, "\"guard\":\"scanner\"") + total(events, "\"action\":\"suppressed\"");
  // Bans made after the listing (datagrams still queued then) only add to the count.
  EXPECT_GE(accounted, bans) << "bans neither written nor counted";
  EXPECT_LE(accounted, static_cast<uint64_t>(kSources));
}

TEST_F(EventFloodE2e, OneUnregisteredSourceUnderEveryLimitIsOneEpisode) {
  UdpPeer stranger;
  constexpr int kMessages = 100;
  for (int i = 0; i < kMessages; ++i) {
    stranger.send(sip_request("MESSAGE", "sip:alice@ims.local", "sip:mallory@ims.local", stranger.local_port(), i + 1,
                              "ef-msg-" + std::to_string(i)),
                  edge_.sip_port());
    auto answer = next_response(stranger, 2s);
    ASSERT_TRUE(answer) << "message " << i << " was not answered (a rate limit?)\n" << edge_.events();
    ASSERT_EQ(status_of(*answer), 403) << *answer;
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(edge_.stop(), 0);  // closes the episode: its summary is written
  std::string events = edge_.events();
  const std::string edge_reject = "\"guard\":\"edge\",";
  EXPECT_LE(count(events, edge_reject), 2u) << "one line per message\n" << events.substr(0, 3000);
  EXPECT_EQ(total(events, "\"summary\":true"), static_cast<uint64_t>(kMessages)) << events;
}

}  // namespace
