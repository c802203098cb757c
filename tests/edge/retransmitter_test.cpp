// The retransmission timers on a fake clock: a plain timer (no bytes) resends nothing and
// fires at its own lifetime; the follow-up of a timeout gets the bytes that were sent and
// may schedule again, and poll() reports that new deadline.
#include "edge/retransmitter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace imsguard;
using namespace imsguard::edge;

namespace {

struct RecordingSender : net::FlowSender {
  std::vector<std::string> sent;
  bool send_to(const net::Flow&, std::string_view bytes) override {
    sent.emplace_back(bytes);
    return true;
  }
};

TEST(Retransmitter, APlainTimerFiresAtItsLifetimeWithoutResending) {
  RecordingSender sender;
  int64_t now = 0;
  Retransmitter timers(&sender, {500, 4000}, 8, [&] { return now; });
  std::vector<std::string> followed;
  Retransmitter::Message timer;
  timer.lifetime_ms = 5000;
  timer.timeout_bytes = "gave up";
  timer.on_timeout = [&](std::string_view sent) {
    followed.emplace_back(sent);
    Retransmitter::Message again;
    again.lifetime_ms = 1000;
    timers.schedule("again", std::move(again));
  };
  ASSERT_EQ(timers.schedule("c", std::move(timer)), Retransmitter::Scheduled::kStarted);
  EXPECT_EQ(timers.poll(4999), std::optional<int64_t>(5000));
  EXPECT_TRUE(sender.sent.empty()) << "nothing to resend";
  now = 5000;
  EXPECT_EQ(timers.poll(5000), std::optional<int64_t>(6000)) << "the deadline the follow-up scheduled";
  EXPECT_EQ(sender.sent, (std::vector<std::string>{"gave up"}));
  EXPECT_EQ(followed, (std::vector<std::string>{"gave up"}));
  EXPECT_EQ(timers.poll(6000), std::nullopt);
  EXPECT_EQ(sender.sent.size(), 1u) << "a timer without timeout bytes sends nothing";
  EXPECT_EQ(timers.size(), 0u);
}

TEST(Retransmitter, SendGoesOutOnceThroughTheSameSender) {
  RecordingSender sender;
  Retransmitter timers(&sender, {500, 4000}, 8, [] { return int64_t{0}; });
  EXPECT_TRUE(timers.send(net::Flow{}, "CANCEL"));
  EXPECT_EQ(sender.sent, (std::vector<std::string>{"CANCEL"}));
  Retransmitter unsent(nullptr, {500, 4000}, 8, [] { return int64_t{0}; });
  EXPECT_FALSE(unsent.send(net::Flow{}, "CANCEL"));
}

}  // namespace
