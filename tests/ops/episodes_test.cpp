// One security event per episode (ops/episodes.h): first event written at once, the rest
// counted into one summary, a global cap with a "suppressed" line, bounded memory.
#include "ops/episodes.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace imsguard::ops {
namespace {

struct Written {
  std::string guard, source, action, reason;
  uint64_t count;
  bool summary;
};

class EpisodeLogTest : public ::testing::Test {
 protected:
  EpisodeLog make(EpisodeOptions o) {
    return EpisodeLog(o, [this](const EpisodeLine& l) {
      lines_.push_back({std::string(l.event.guard), std::string(l.event.source), std::string(l.event.action),
                        std::string(l.event.reason), l.count, l.summary});
    });
  }
  std::vector<Written> lines_;
};

TEST_F(EpisodeLogTest, OneSourceRepeatingIsOneLineThenOneCountedSummary) {
  EpisodeLog log = make({10'000, 50, 64});
  for (int i = 0; i < 1000; ++i) log.record({"edge", "udp:192.0.2.1:5060", "", "reject", "not registered"}, "192.0.2.1", 1000 + i);
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(lines_[0].count, 1u);
  EXPECT_FALSE(lines_[0].summary);
  log.tick(5000);
  EXPECT_EQ(lines_.size(), 1u) << "the window has not passed";
  log.tick(11'000);
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_TRUE(lines_[1].summary);
  EXPECT_EQ(lines_[1].count, 1000u);
  EXPECT_EQ(lines_[1].source, "192.0.2.1") << "the summary names the episode's key";
  EXPECT_EQ(log.open_episodes(), 0u);
  // The next event opens a new episode: written at once.
  log.record({"edge", "udp:192.0.2.1:5060", "", "reject", "not registered"}, "192.0.2.1", 12'000);
  EXPECT_EQ(lines_.size(), 3u);
}

TEST_F(EpisodeLogTest, DifferentGuardsActionsAndKeysAreSeparateEpisodes) {
  EpisodeLog log = make({10'000, 50, 64});
  log.record({"flood", "a", "", "ban", "x"}, "", 0);
  log.record({"flood", "a", "", "drop", "x"}, "", 0);
  log.record({"scanner", "a", "", "ban", "x"}, "", 0);
  log.record({"flood", "b", "", "ban", "x"}, "", 0);
  log.record({"flood", "a", "", "ban", "x"}, "", 1);
  EXPECT_EQ(lines_.size(), 4u);
  log.tick(20'000);
  ASSERT_EQ(lines_.size(), 5u) << "a single event needs no summary";
  EXPECT_EQ(lines_[4].count, 2u);
}

TEST_F(EpisodeLogTest, ManySourcesAreCappedPerSecondAndTheRestReportedAsSuppressed) {
  EpisodeLog log = make({10'000, 20, 100'000});
  for (int i = 0; i < 70'000; ++i)
    log.record({"flood", "udp:10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ":5060", "", "ban", "flood"}, "",
               1000 + i / 100);  // 70,000 sources over 0.7 s
  EXPECT_EQ(lines_.size(), 20u);
  log.tick(2000);
  ASSERT_EQ(lines_.size(), 21u);
  EXPECT_EQ(lines_[20].guard, "events");
  EXPECT_EQ(lines_[20].action, "suppressed");
  EXPECT_EQ(lines_[20].count, 70'000u - 20u);
  EXPECT_NE(lines_[20].reason.find("flood ban: 69980"), std::string::npos) << lines_[20].reason;
  EXPECT_EQ(log.suppressed_total(), 69'980u);
  log.tick(3000);
  EXPECT_EQ(lines_.size(), 21u) << "reported once";
}

TEST_F(EpisodeLogTest, TheTableIsBounded) {
  EpisodeLog log = make({10'000, 1'000'000, 100});
  for (int i = 0; i < 1000; ++i) log.record({"flood", "s" + std::to_string(i), "", "ban", "x"}, "", 0);
  EXPECT_EQ(log.open_episodes(), 100u);
  EXPECT_EQ(lines_.size(), 100u);
  EXPECT_EQ(log.suppressed_total(), 900u);
}

TEST_F(EpisodeLogTest, FlushClosesEveryEpisode) {
  EpisodeLog log = make({10'000, 50, 64});
  for (int i = 0; i < 3; ++i) log.record({"parse", "s", "", "reject", "bad"}, "", 0);
  log.flush(1);
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_EQ(lines_[1].count, 3u);
  EXPECT_EQ(log.open_episodes(), 0u);
}

}  // namespace
}  // namespace imsguard::ops
