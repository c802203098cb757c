// The flood path's memory promise: a million distinct spoofed sources neither grow the
// guards' state past the configured budget nor allocate at all on the raw-bytes path.
// Counting replaces the global operator new for this test binary only.
#include "helpers.h"
#include "../support/test_telemetry.h"

#include <atomic>
#include <cstdlib>
#include <new>

// The replaced operator new allocates with malloc, so free() in the replaced delete is its
// match; GCC's -O2 check cannot see that pairing (seen in the TSan build, RelWithDebInfo).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {
std::atomic<size_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace imsguard::guard {
namespace {

TEST(GuardMemory, AMillionSpoofedSourcesStayWithinTheBudgetWithoutAllocating) {
  test::Telemetry t;
  config::Config cfg;
  cfg.guards.flood.max_per_source = 1500;
  cfg.guards.flood.max_per_prefix = 6000;
  cfg.guards.flood.memory_budget_kb = 4096;
  auto created = Chain::create(cfg, ChainDeps{{}, nullptr, &t.metrics, &t.events});
  ASSERT_TRUE(created.ok()) << created.message();
  auto chain = std::move(created).value();
  Guard* flood = chain->find("flood");
  ASSERT_NE(flood, nullptr);
  EXPECT_LE(flood->memory_bytes(), size_t{4096} * 1024 + 1024);
  const size_t state_before = chain->memory_bytes();
  auto legit = testing::flow("127.0.0.3");
  net::Flow spoofed;
  spoofed.port = 5060;
  int legit_dropped = 0, spoofed_dropped = 0;
  const size_t allocations_before = g_allocations.load();
  for (uint32_t i = 0; i < 1'000'000; ++i) {
    // All over 10.0.0.0/8 (256 per /24): every source and prefix is under its limit.
    asio::ip::address_v4::bytes_type b{10, static_cast<uint8_t>(i >> 16), static_cast<uint8_t>(i >> 8),
                                       static_cast<uint8_t>(i)};
    spoofed.address = asio::ip::address_v4(b);
    int64_t now = 1000 + i / 1000;  // the whole million within one second
    spoofed_dropped += chain->on_raw(chain->context(spoofed, now), "x").stops();
    if (i % 1000 == 0) legit_dropped += chain->on_raw(chain->context(legit, now), "x").stops();
  }
  const size_t allocations = g_allocations.load() - allocations_before;
  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(legit_dropped, 0);
  EXPECT_EQ(spoofed_dropped, 0);        // sketch collisions never add up to a false positive
  EXPECT_EQ(chain->bans().size(), 0u);
  EXPECT_EQ(chain->memory_bytes(), state_before);
}

TEST(GuardMemory, SpoofedFloodOverTheLimitIsBannedWithinTheBanTableCap) {
  test::Telemetry t;
  config::Config cfg;
  cfg.guards.flood.max_per_source = 5;
  cfg.guards.flood.max_per_prefix = 1'000'000;
  auto created = Chain::create(cfg, ChainDeps{{}, nullptr, &t.metrics, &t.events});
  ASSERT_TRUE(created.ok()) << created.message();
  auto chain = std::move(created).value();
  net::Flow spoofed;
  // 200,000 sources each over its limit: more bans than the table holds.
  for (uint32_t i = 0; i < 200'000; ++i) {
    asio::ip::address_v4::bytes_type b{10, static_cast<uint8_t>(i >> 16), static_cast<uint8_t>(i >> 8),
                                       static_cast<uint8_t>(i)};
    spoofed.address = asio::ip::address_v4(b);
    for (int k = 0; k < 7; ++k) chain->on_raw(chain->context(spoofed, 1000), "x");
  }
  EXPECT_EQ(chain->bans().size(), chain->bans().capacity());
  EXPECT_LE(chain->bans().memory_bytes(), size_t{32} << 20);
}

}  // namespace
}  // namespace imsguard::guard
