// Proves the common parse path allocates nothing: a reused Message parses typical
// messages (fewer header lines than Message::kInlineHeaders) with zero heap allocations.
// Counting replaces the global operator new for this test binary only.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "read_file.h"
#include "sip/parser.h"

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

namespace imsguard::sip {
namespace {

TEST(AllocationTest, ParsingTypicalMessagesDoesNotAllocate) {
  std::string messages[] = {testing::torture("wsinv"), testing::torture("esc01"),
                            testing::torture("mpart01"), testing::torture("unreason"),
                            testing::torture("longreq")};
  Limits limits;
  limits.max_via = 64;
  Message m;  // constructed (and its inline storage reserved) before counting
  size_t before = g_allocations.load();
  size_t ok = 0;
  for (int round = 0; round < 3; ++round) {
    for (const std::string& s : messages) {
      if (parse_datagram(s, limits, m).status == ParseStatus::kOk) ++ok;
      // Header lookups and scalar accessors are allocation-free too.
      (void)m.find(HeaderId::kCallId);
      (void)m.cseq();
      (void)m.top_via();
      (void)m.count_values(HeaderId::kVia);
    }
  }
  size_t after = g_allocations.load();
  EXPECT_EQ(ok, 15u);
  EXPECT_EQ(after - before, 0u);
}

TEST(AllocationTest, CounterWorks) {
  size_t before = g_allocations.load();
  auto* p = new std::string(100, 'x');
  delete p;
  EXPECT_GE(g_allocations.load() - before, 1u);
}

}  // namespace
}  // namespace imsguard::sip
