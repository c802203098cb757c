// The per-thread random pool: draws never repeat (within the pool, across a refill, and
// between threads), large requests bypass it, and what was handed out is gone from it.
// RAND_set_rand_method (deprecated, still honoured by OpenSSL 3's RAND_bytes) puts a
// counting generator under the pool, so a test can see which refill a draw came from.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "crypto/random_pool.h"

#include <gtest/gtest.h>
#include <openssl/rand.h>

#include <array>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

using imsguard::crypto::random_bytes;

namespace {

std::string draw(size_t n) {
  std::string out(n, '\0');
  EXPECT_TRUE(random_bytes(reinterpret_cast<uint8_t*>(out.data()), n));
  return out;
}

TEST(RandomPool, DrawsAcrossSeveralRefillsNeverRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {  // 16 KB: 16 refills of the 1 KiB pool
    auto r = draw(16);
    EXPECT_NE(r, std::string(16, '\0'));
    EXPECT_TRUE(seen.insert(r).second) << "draw " << i << " repeated";
  }
}

TEST(RandomPool, OddSizesAndLargeRequestsAreServed) {
  std::set<std::string> seen;
  for (size_t n : {1u, 7u, 8u, 255u, 256u, 257u, 4096u}) {
    auto r = draw(n);
    ASSERT_EQ(r.size(), n);
    if (n >= 8) {
      EXPECT_TRUE(seen.insert(r.substr(0, 8)).second);
    }
  }
}

// A generator whose every 4-byte word says (call number, word offset within the call), so a
// draw tells which RAND_bytes call filled it and where in that call's output it sat.
std::atomic<uint32_t> fake_calls{0};
std::atomic<bool> fake_fails{false};
int fake_bytes(unsigned char* buf, int num) {
  if (fake_fails) return 0;
  uint32_t call = ++fake_calls;
  for (int i = 0; i < num; ++i) {
    uint32_t word = (call << 16) | static_cast<uint32_t>(i / 4);
    buf[i] = static_cast<unsigned char>(word >> (8 * (3 - i % 4)));
  }
  return 1;
}
int fake_status() { return 1; }
const RAND_METHOD kFake = {nullptr, fake_bytes, nullptr, nullptr, fake_bytes, fake_status};

// Installs the counting generator for one test and puts OpenSSL's back after.
class CountingDrbg {
 public:
  CountingDrbg() : saved_(RAND_get_rand_method()) {
    fake_calls = 0;
    fake_fails = false;
    EXPECT_EQ(RAND_set_rand_method(&kFake), 1);
  }
  ~CountingDrbg() { RAND_set_rand_method(saved_); }

 private:
  const RAND_METHOD* saved_;
};

struct Origin {
  uint32_t call;
  uint32_t word;
};
Origin origin(const std::string& draw) {
  auto b = [&](int i) { return static_cast<uint32_t>(static_cast<unsigned char>(draw[i])); };
  uint32_t w = b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
  return {w >> 16, w & 0xffff};
}

// Each thread has a pool of its own: the first draw of a new thread starts a refill of its
// own (word 0 of a RAND_bytes call no other thread drew from), and its next draw comes from
// that same refill, after the first. A shared pool would give the second thread the words
// after the first thread's draw.
TEST(RandomPool, ThreadsDoNotShareBytes) {
  CountingDrbg drbg;
  std::array<std::array<std::string, 2>, 2> draws;
  for (int t = 0; t < 2; ++t) {  // one after the other: no race decides the order
    std::thread th([&] {
      draws[t][0] = draw(32);
      draws[t][1] = draw(32);
    });
    th.join();
  }
  Origin a0 = origin(draws[0][0]), a1 = origin(draws[0][1]);
  Origin b0 = origin(draws[1][0]), b1 = origin(draws[1][1]);
  EXPECT_EQ(a0.word, 0u);
  EXPECT_EQ(b0.word, 0u) << "the second thread drew from the first thread's refill";
  EXPECT_NE(a0.call, b0.call);
  EXPECT_EQ(a1.call, a0.call);
  EXPECT_EQ(a1.word, 8u);  // 32 bytes on
  EXPECT_EQ(b1.call, b0.call);
  EXPECT_EQ(b1.word, 8u);
  EXPECT_EQ(fake_calls.load(), 2u);  // one 1 KiB refill per thread, not one call per draw
}

// A generator that fails yields no bytes: random_bytes says so instead of handing out what
// the pool holds or zeros (a nonce or key from it would be predictable).
TEST(RandomPool, AFailingGeneratorYieldsNothing) {
  CountingDrbg drbg;
  fake_fails = true;
  std::thread th([] {
    std::array<uint8_t, 16> out{};
    EXPECT_FALSE(random_bytes(out.data(), out.size()));
    std::array<uint8_t, 4096> big{};
    EXPECT_FALSE(random_bytes(big.data(), big.size()));
  });
  th.join();
}

}  // namespace
