// Two app::Nodes in one process, each on its own redis-server (started by the test, stopped by
// PID): the Redis state of a node (its RedisClient and RedisBindingStore) writes to that
// node's Redis and counts into that node's registry. A registration through node a reaches
// a's Redis only; one made while a's Redis is down moves a's store counters (outage, errors,
// binding queued) and leaves b's at 0.
#include "registry_probe.h"
#include "app/node.h"

#include "ops/counters.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>

#include "../store/redis_server.h"
#include "digest_phone.h"
#include "process.h"

namespace imsguard::app {
namespace {

using store::testing::RedisServer;
using namespace std::chrono_literals;

// An edge-only node on a free loopback UDP port, its state (bindings, SQNs, bans) in `redis`,
// its subscribers in its own directory, seeded with the demo subscribers (alice: Digest).
config::Config redis_config(const std::string& name, const RedisServer& redis) {
  config::Config c;
  c.roles = {"edge"};
  c.state = redis.url();
  c.data_dir = testkit::make_temp_dir("imsguard-node-redis-" + name);
  c.sip.listen = {{config::Transport::kUdp, "127.0.0.1", 0}};
  c.events_output = "none";
  return c;
}

using registry_probe::registered;
using registry_probe::value;

uint16_t udp_port(const Node& node) {
  std::string banner = node.banner();
  auto colon = banner.find(':', banner.find("listening: udp 127.0.0.1"));
  colon = banner.find(':', colon + 1);
  return static_cast<uint16_t>(std::stoi(banner.substr(colon + 1)));
}

// The demo Digest subscriber's password ("digest impi=alice@... password=P" in the file the
// node wrote into its data directory).
std::string demo_password(const config::Config& c) {
  std::string text = testkit::read_file(c.data_dir + "/demo-subscribers.txt");
  auto at = text.find("password=");
  if (at == std::string::npos) return {};
  at += 9;
  return text.substr(at, text.find_first_of(" \n", at) - at);
}

TEST(NodeRedis, TwoNodesEachOnItsOwnRedisCountTheirOwnStoreCounters) {
  const std::string kQueued = "imsguard_state_bindings_queued_total";
  const std::string kOutages = "imsguard_state_redis_outages_total";
  const std::string kErrors = "imsguard_state_redis_errors_total";
  RedisServer redis_a, redis_b;
  ASSERT_TRUE(redis_a.start()) << testkit::read_file(redis_a.log_path());
  ASSERT_TRUE(redis_b.start()) << testkit::read_file(redis_b.log_path());
  config::Config config_a = redis_config("a", redis_a), config_b = redis_config("b", redis_b);
  // The nodes' and the Redis servers' directories, removed however the test ends (the
  // servers stopped first).
  struct RemoveDirs {
    std::vector<RedisServer*> servers;
    std::vector<std::string> dirs;
    ~RemoveDirs() {
      std::error_code ec;
      for (auto* s : servers) {
        s->stop();
        std::filesystem::remove_all(std::filesystem::path(s->log_path()).parent_path(), ec);
      }
      for (const auto& d : dirs) std::filesystem::remove_all(d, ec);
    }
  } cleanup{{&redis_a, &redis_b}, {config_a.data_dir, config_b.data_dir}};
  Node a(config_a, /*demo=*/true);
  Node b(config_b, /*demo=*/true);
  Status started_a = a.start();
  ASSERT_TRUE(started_a.ok()) << started_a.to_string();
  Status started_b = b.start();
  ASSERT_TRUE(started_b.ok()) << started_b.to_string();
  // Each node's Redis state resolved its counters in that node's registry.
  for (Node* node : {&a, &b})
    for (const auto& name : {kQueued, kOutages, kErrors}) EXPECT_TRUE(registered(node->metrics(), name)) << name;

  // Healthy: a registration through a reaches a's Redis, and nothing is counted as failed.
  const std::string password_a = demo_password(config_a);
  ASSERT_FALSE(password_a.empty());
  testkit::DigestPhone alice("alice", udp_port(a));
  ASSERT_EQ(alice.register_with(password_a), 200);
  EXPECT_TRUE(testkit::eventually([&] { return redis_a.cli({"EXISTS", "imsguard:b:sip:alice@ims.local"}) == "1"; }, 10s))
      << redis_a.cli({"KEYS", "*"});
  EXPECT_EQ(redis_b.cli({"EXISTS", "imsguard:b:sip:alice@ims.local"}), "0") << "node a wrote into node b's Redis";

  // a's Redis goes away; a registration through a is accepted and its binding queued.
  redis_a.stop();
  testkit::DigestPhone again("alice", udp_port(a));
  ASSERT_EQ(again.register_with(password_a), 200);
  EXPECT_TRUE(testkit::eventually([&] { return value(a.metrics(), kQueued) >= 1; }, 10s)) << "node a queued no binding";
  EXPECT_TRUE(testkit::eventually([&] { return value(a.metrics(), kOutages) >= 1; }, 10s)) << "node a saw no outage";
  EXPECT_GE(value(a.metrics(), kErrors), 1u);
  // b, whose Redis is up and which got no traffic, counted none of it.
  EXPECT_EQ(value(b.metrics(), kQueued), 0u) << "node a's queued binding counted by node b";
  EXPECT_EQ(value(b.metrics(), kOutages), 0u) << "node a's outage counted by node b";
  EXPECT_EQ(value(b.metrics(), kErrors), 0u) << "node a's Redis errors counted by node b";

  a.stop();
  b.stop();
}

}  // namespace
}  // namespace imsguard::app
