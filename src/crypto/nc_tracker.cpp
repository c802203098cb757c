#include "crypto/nc_tracker.h"

#include <limits>

namespace imsguard::crypto {

namespace {

// FNV-1a: nonces reaching here are HMAC-authenticated, so an attacker cannot pick them to
// collide; a 64-bit tag collision would only refuse one registration.
uint64_t tag_of(std::string_view s) {
  uint64_t h = 14695981039346656037ull;
  for (char c : s) {
    h ^= static_cast<uint8_t>(c);
    h *= 1099511628211ull;
  }
  return h == 0 ? 1 : h;
}

}  // namespace

NcTracker::NcTracker(size_t capacity) {
  size_t buckets = (capacity + kWays - 1) / kWays;
  if (buckets == 0) buckets = 1;
  slots_.resize(buckets * kWays);
  evicted_upto_.assign(buckets, std::numeric_limits<int64_t>::min());
}

size_t NcTracker::memory_bytes() const {
  return slots_.capacity() * sizeof(Slot) + evicted_upto_.capacity() * sizeof(int64_t);
}

std::optional<uint32_t> NcTracker::parse_nc(std::string_view nc) {
  if (nc.size() != 8) return std::nullopt;
  uint32_t v = 0;
  for (char c : nc) {
    uint32_t d;
    if (c >= '0' && c <= '9') d = static_cast<uint32_t>(c - '0');
    else if (c >= 'a' && c <= 'f') d = static_cast<uint32_t>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') d = static_cast<uint32_t>(c - 'A' + 10);
    else return std::nullopt;
    v = v << 4 | d;
  }
  return v;
}

NcTracker::Verdict NcTracker::check_and_record(std::string_view nonce, int64_t issued_at_ms, uint32_t nc) {
  if (nc == 0) return Verdict::kReplay;
  const uint64_t tag = tag_of(nonce);
  const size_t bucket = static_cast<size_t>(tag % evicted_upto_.size());
  std::lock_guard<std::mutex> lock(mu_);
  Slot* first = &slots_[bucket * kWays];
  Slot* victim = nullptr;
  for (size_t i = 0; i < kWays; ++i) {
    Slot& s = first[i];
    if (s.used && s.tag == tag) {
      if (nc <= s.nc) return Verdict::kReplay;
      s.nc = nc;
      return Verdict::kAccepted;
    }
    if (!s.used) {
      if (victim == nullptr || victim->used) victim = &s;
    } else if (victim == nullptr || (victim->used && s.issued_at_ms < victim->issued_at_ms)) {
      victim = &s;
    }
  }
  // Unknown nonce: new, unless a nonce this old could have been evicted from this bucket.
  if (issued_at_ms <= evicted_upto_[bucket]) return Verdict::kForgotten;
  if (victim->used && victim->issued_at_ms > evicted_upto_[bucket]) evicted_upto_[bucket] = victim->issued_at_ms;
  *victim = Slot{tag, issued_at_ms, nc, true};
  return Verdict::kAccepted;
}

}  // namespace imsguard::crypto
