#include "crypto/nonce.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <chrono>

#include "common/base64.h"
#include "crypto/ct.h"
#include "crypto/random_pool.h"

namespace imsguard::crypto {

namespace {

constexpr size_t kHeaderBytes = 16;  // generation, issued-at, salt
constexpr size_t kMacBytes = 16;
static_assert(kHeaderBytes + kMacBytes == NonceAuthority::kNonceBytes);

using Raw = std::array<uint8_t, NonceAuthority::kNonceBytes>;

// One HMAC context per thread, re-keyed per call: no per-request heap allocation after the
// first use on a thread.
class ThreadMac {
 public:
  ThreadMac() {
    mac_ = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (mac_ != nullptr) ctx_ = EVP_MAC_CTX_new(mac_);
    if (ctx_ != nullptr) {
      char digest[] = "SHA256";
      OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                             OSSL_PARAM_construct_end()};
      if (EVP_MAC_CTX_set_params(ctx_, params) != 1) {
        EVP_MAC_CTX_free(ctx_);
        ctx_ = nullptr;
      }
    }
  }
  ~ThreadMac() {
    EVP_MAC_CTX_free(ctx_);
    EVP_MAC_free(mac_);
  }
  ThreadMac(const ThreadMac&) = delete;
  ThreadMac& operator=(const ThreadMac&) = delete;

  bool mac(const std::array<uint8_t, 32>& key, const uint8_t* header, std::string_view realm,
           std::string_view client, uint8_t* out16) {
    if (ctx_ == nullptr) return false;
    static constexpr uint8_t kSeparator = 0;
    std::array<uint8_t, 32> full{};
    size_t len = 0;
    if (EVP_MAC_init(ctx_, key.data(), key.size(), nullptr) != 1 ||
        EVP_MAC_update(ctx_, header, kHeaderBytes) != 1 ||
        EVP_MAC_update(ctx_, reinterpret_cast<const uint8_t*>(realm.data()), realm.size()) != 1 ||
        EVP_MAC_update(ctx_, &kSeparator, 1) != 1 ||
        EVP_MAC_update(ctx_, reinterpret_cast<const uint8_t*>(client.data()), client.size()) != 1 ||
        EVP_MAC_final(ctx_, full.data(), &len, full.size()) != 1 || len != full.size())
      return false;
    std::copy(full.begin(), full.begin() + kMacBytes, out16);
    return true;
  }

 private:
  EVP_MAC* mac_ = nullptr;
  EVP_MAC_CTX* ctx_ = nullptr;
};

ThreadMac& thread_mac() {
  thread_local ThreadMac m;
  return m;
}

// The nonce MAC, through `injected` when one is given (the same bytes in one piece).
bool nonce_mac(const MacFunction& injected, const std::array<uint8_t, 32>& key, const uint8_t* header,
               std::string_view realm, std::string_view client, uint8_t* out16) {
  if (!injected) return thread_mac().mac(key, header, realm, client, out16);
  std::string data(reinterpret_cast<const char*>(header), kHeaderBytes);
  data.append(realm).append(1, '\0').append(client);
  auto full = injected(key, data);
  if (!full) return false;
  std::copy(full->begin(), full->begin() + kMacBytes, out16);
  return true;
}

}  // namespace

int64_t system_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

NonceAuthority::NonceAuthority(NonceOptions options) : options_(std::move(options)) {
  if (!options_.clock) options_.clock = system_millis;
  options_.lifetime_ms = std::max<int64_t>(options_.lifetime_ms, 1);
  options_.rotation_ms = std::max(options_.rotation_ms, 2 * options_.lifetime_ms);
  options_.max_future_skew_ms = std::max<int64_t>(options_.max_future_skew_ms, 0);
}

NonceAuthority::~NonceAuthority() { OPENSSL_cleanse(current_.key.data(), current_.key.size()); OPENSSL_cleanse(previous_.key.data(), previous_.key.size()); }

std::unique_ptr<NonceAuthority> NonceAuthority::create(NonceOptions options) {
  std::unique_ptr<NonceAuthority> a(new NonceAuthority(std::move(options)));
  std::lock_guard<std::mutex> lock(a->mu_);
  if (RAND_bytes(a->current_.key.data(), static_cast<int>(a->current_.key.size())) != 1) return nullptr;
  a->current_.present = true;
  a->rotated_at_ms_ = a->options_.clock();
  return a;
}

bool NonceAuthority::rotate_locked(int64_t now) {
  Secret next;
  next.generation = static_cast<uint8_t>(current_.generation + 1);
  if (RAND_bytes(next.key.data(), static_cast<int>(next.key.size())) != 1) return false;
  next.present = true;
  previous_ = current_;
  current_ = next;
  rotated_at_ms_ = now;
  return true;
}

bool NonceAuthority::rotate() {
  std::lock_guard<std::mutex> lock(mu_);
  return rotate_locked(options_.clock());
}

uint8_t NonceAuthority::generation() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_.generation;
}

void NonceAuthority::maybe_rotate(int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (now - rotated_at_ms_ >= options_.rotation_ms) rotate_locked(now);
}

bool NonceAuthority::key_for(uint8_t generation, std::array<uint8_t, 32>& key) {
  std::lock_guard<std::mutex> lock(mu_);
  if (current_.present && current_.generation == generation) {
    key = current_.key;
    return true;
  }
  if (previous_.present && previous_.generation == generation) {
    key = previous_.key;
    return true;
  }
  return false;
}

std::string NonceAuthority::make(std::string_view realm, std::string_view client_address) {
  int64_t now = options_.clock();
  maybe_rotate(now);
  Raw raw{};
  std::array<uint8_t, 32> key{};
  {
    std::lock_guard<std::mutex> lock(mu_);
    raw[0] = current_.generation;
    key = current_.key;
  }
  uint64_t ts = static_cast<uint64_t>(std::max<int64_t>(now, 0));
  for (int i = 7; i >= 1; --i) {
    raw[static_cast<size_t>(i)] = static_cast<uint8_t>(ts & 0xff);
    ts >>= 8;
  }
  bool ok = random_bytes(raw.data() + 8, 8) &&
            nonce_mac(options_.mac, key, raw.data(), realm, client_address, raw.data() + kHeaderBytes);
  OPENSSL_cleanse(key.data(), key.size());
  if (!ok) return {};
  std::string nonce;
  nonce.reserve(kNonceChars);
  base64url_append(raw, nonce);
  return nonce;
}

NonceCheck NonceAuthority::verify(std::string_view nonce, std::string_view realm, std::string_view client_address) {
  NonceCheck result;
  Raw raw{};
  if (nonce.size() != kNonceChars || !base64url_decode_exact(nonce, raw)) return result;
  int64_t now = options_.clock();
  maybe_rotate(now);
  std::array<uint8_t, 32> key{};
  if (!key_for(raw[0], key)) return result;
  std::array<uint8_t, kMacBytes> expected{};
  bool ok = nonce_mac(options_.mac, key, raw.data(), realm, client_address, expected.data());
  OPENSSL_cleanse(key.data(), key.size());
  if (!ok || !constant_time_equal(std::span<const uint8_t>(expected),
                                  std::span<const uint8_t>(raw.data() + kHeaderBytes, kMacBytes)))
    return result;
  int64_t issued = 0;
  for (size_t i = 1; i < 8; ++i) issued = issued << 8 | raw[i];
  if (issued > now + options_.max_future_skew_ms) return result;  // authentic key, impossible time
  result.issued_at_ms = issued;
  result.status = (now - issued > options_.lifetime_ms) ? NonceStatus::kStale : NonceStatus::kValid;
  return result;
}

}  // namespace imsguard::crypto
