#pragma once
// HMAC-SHA-256 with its failure made visible. OpenSSL's one-shot HMAC() returns NULL when
// it fails (no digest implementation, a provider error) and leaves the output unwritten:
// a caller that ignores that compares or sends uninitialised bytes. Every MAC the edge
// makes (flow tokens, dialog tokens, peer signatures, relay branches, the decoy scheme)
// goes through here, and every caller decides what a failure means (refuse: fail closed).
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>

namespace imsguard::crypto {

using Sha256Mac = std::array<uint8_t, 32>;

// nullopt when OpenSSL fails.
std::optional<Sha256Mac> hmac_sha256(std::span<const uint8_t> key, std::string_view data);

// HMAC-SHA-256 as a dependency: the code that makes and checks nonces and flow tokens takes
// one (empty: its own per-thread OpenSSL context, no allocation per MAC), so a test can make
// the MAC fail and see that nothing is issued or accepted. It must compute hmac_sha256 of
// `data` (the MAC input in one piece) or return nullopt.
using MacFunction = std::function<std::optional<Sha256Mac>(std::span<const uint8_t> key, std::string_view data)>;

}  // namespace imsguard::crypto
