#pragma once
// Hex encoding shared by every module that prints or reads keys, digests and vectors.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace imsguard::crypto {

// Lowercase hex of the bytes.
std::string to_hex(std::span<const uint8_t> bytes);
inline std::string to_hex(std::string_view bytes) {
  return to_hex(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

// Decodes hex (either case). nullopt for an odd length or a non-hex character.
std::optional<std::vector<uint8_t>> from_hex(std::string_view hex);

}  // namespace imsguard::crypto
