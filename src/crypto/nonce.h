#pragma once
// Stateless Digest nonces: the nonce itself proves we issued it, to whom and when, so a
// flood of unauthenticated REGISTERs costs one HMAC each and leaves nothing behind. Format
// (32 bytes, base64url without padding = 43 characters):
//   generation (1) || issued-at ms (7, big-endian) || salt (8) ||
//   HMAC-SHA256(secret[generation], those 16 bytes || realm || 0 || client address)[0..15]
// The salt keeps two challenges to one client in the same millisecond distinct (nc replay is
// tracked per nonce). The secret rotates; the previous generation stays valid so nonces
// issued just before a rotation still work.
#include "crypto/hmac.h"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace imsguard::crypto {

enum class NonceStatus {
  kValid,
  kStale,   // ours and for this client, but older than the lifetime: answer with stale=true
  kForged,  // not ours, not for this realm/client, unknown secret generation, or malformed
};

struct NonceCheck {
  NonceStatus status = NonceStatus::kForged;
  int64_t issued_at_ms = 0;  // valid for kValid and kStale (for NcTracker)
};

// Milliseconds since the Unix epoch; injectable for tests.
using MillisClock = std::function<int64_t()>;
int64_t system_millis();

struct NonceOptions {
  int64_t lifetime_ms = 30'000;
  int64_t rotation_ms = 3'600'000;  // raised to at least 2 x lifetime
  int64_t max_future_skew_ms = 2'000;  // several edges sharing a secret may disagree a little
  MillisClock clock = system_millis;
  MacFunction mac;  // empty: the per-thread OpenSSL context; tests inject failures here
};

// Thread-safe. One per realm-independent deployment (the realm is bound into each nonce).
class NonceAuthority {
 public:
  // Draws the first secret from RAND_bytes; nullptr if the CSPRNG fails.
  static std::unique_ptr<NonceAuthority> create(NonceOptions options = {});
  ~NonceAuthority();
  NonceAuthority(const NonceAuthority&) = delete;
  NonceAuthority& operator=(const NonceAuthority&) = delete;

  // A fresh nonce for this realm and client address (use the source IP, not the port, if
  // clients behind NAT may change port between challenge and answer). Empty string only if
  // the CSPRNG or HMAC fails.
  std::string make(std::string_view realm, std::string_view client_address);
  NonceCheck verify(std::string_view nonce, std::string_view realm, std::string_view client_address);

  // Forces a rotation now (tests, or an operator after a suspected leak: then call twice).
  bool rotate();
  uint8_t generation() const;

  static constexpr size_t kNonceBytes = 32;
  static constexpr size_t kNonceChars = 43;

 private:
  struct Secret {
    uint8_t generation = 0;
    std::array<uint8_t, 32> key{};
    bool present = false;
  };
  explicit NonceAuthority(NonceOptions options);
  bool rotate_locked(int64_t now);
  void maybe_rotate(int64_t now);
  // Snapshot of the key for a generation (under the lock); false if unknown.
  bool key_for(uint8_t generation, std::array<uint8_t, 32>& key);

  NonceOptions options_;
  mutable std::mutex mu_;
  Secret current_;
  Secret previous_;
  int64_t rotated_at_ms_ = 0;
};

}  // namespace imsguard::crypto
