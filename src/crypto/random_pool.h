#pragma once
// Random bytes for the per-request hot path (Digest nonces, AKA RAND). OpenSSL's RAND_bytes
// costs a getpid() system call per call (its fork check) plus a DRBG round; a registration
// asked it for 8 or 16 bytes at a time. Each thread draws 1 KiB at once from the same
// DRBG and hands it out in pieces; bytes handed out are wiped from the pool. The process
// does not fork after start (a forked child would repeat its parent's pool).
#include <cstddef>
#include <cstdint>

namespace imsguard::crypto {

// Fills `out` with `n` bytes from OpenSSL's DRBG through this thread's pool; false when
// the DRBG failed (nothing usable was written).
bool random_bytes(uint8_t* out, size_t n);

}  // namespace imsguard::crypto
