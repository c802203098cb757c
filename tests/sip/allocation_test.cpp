// Proves the common parse path allocates nothing: a reused Message parses typical
// messages (fewer header lines than Message::kInlineHeaders) with zero heap allocations.
// Counting replaces the global operator new for this test binary only.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

// The replaced operator new allocates with malloc, so free() in the replaced delete is its
// match; GCC's -O2 check cannot see that pairing (seen in the TSan build, RelWithDebInfo).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include "read_file.h"
#include "sip/parser.h"
#include "sip/response.h"

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

// The 401 of a registration behind a NAT: writing received/rport into its top Via costs no
// allocation beyond those of the same answer without them (the hot REGISTER path).
TEST(AllocationTest, AnnotatingTheTopViaAddsNoAllocationToAResponse) {
  const std::string in =
      "REGISTER sip:ims.local SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 192.168.1.20:5060;rport;branch=z9hG4bK-524287-1---4a7c3b2d9e8f1a6b\r\n"
      "Max-Forwards: 70\r\nFrom: <sip:alice@ims.local>;tag=31337r1\r\nTo: <sip:alice@ims.local>\r\n"
      "Call-ID: 1-31337@192.168.1.20\r\nCSeq: 1 REGISTER\r\n"
      "Contact: <sip:alice@192.168.1.20:5060;transport=udp>\r\nExpires: 3600\r\nUser-Agent: sipp-bench\r\n"
      "Content-Length: 0\r\n\r\n";
  const std::string challenge =
      "Digest realm=\"ims.local\", nonce=\"a3f1c2d4e5b6a7980123456789abcdef0123456789abcdef\", "
      "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", algorithm=SHA-256, qop=\"auth\"";
  const HeaderPair extra[] = {{"WWW-Authenticate", challenge}};
  Message m;
  ASSERT_EQ(parse_datagram(in, Limits{}, m).status, ParseStatus::kOk);
  auto allocations_of_401 = [&](std::string& out) {
    size_t before = g_allocations.load();
    out = make_response(m, 401, "Unauthorized", extra, "edge1");
    return g_allocations.load() - before;
  };
  std::string plain, annotated;
  size_t plain_count = allocations_of_401(plain);
  m.set_received_from(ReceivedFrom("203.0.113.7", 40123));
  size_t annotated_count = allocations_of_401(annotated);
  EXPECT_NE(annotated.find(";received=203.0.113.7;rport=40123\r\n"), std::string::npos) << annotated;
  EXPECT_GT(annotated.size(), plain.size());
  EXPECT_LE(annotated_count, plain_count) << plain.size() << " -> " << annotated.size() << " bytes";
}

TEST(AllocationTest, CounterWorks) {
  size_t before = g_allocations.load();
  auto* p = new std::string(100, 'x');
  delete p;
  EXPECT_GE(g_allocations.load() - before, 1u);
}

}  // namespace
}  // namespace imsguard::sip
