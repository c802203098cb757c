#include "crypto/random_pool.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <cstring>

namespace imsguard::crypto {

namespace {

struct Pool {
  std::array<uint8_t, 1024> bytes{};
  size_t used = sizeof(bytes);  // empty until first use
  ~Pool() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

}  // namespace

bool random_bytes(uint8_t* out, size_t n) {
  thread_local Pool pool;
  if (n > pool.bytes.size() / 4) return RAND_bytes(out, static_cast<int>(n)) == 1;
  if (pool.bytes.size() - pool.used < n) {
    if (RAND_bytes(pool.bytes.data(), static_cast<int>(pool.bytes.size())) != 1) return false;
    pool.used = 0;
  }
  std::memcpy(out, pool.bytes.data() + pool.used, n);
  OPENSSL_cleanse(pool.bytes.data() + pool.used, n);
  pool.used += n;
  return true;
}

}  // namespace imsguard::crypto
