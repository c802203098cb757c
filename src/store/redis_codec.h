#pragma once
// A compact, binary-safe encoding of records as Redis values: each field as
// "<decimal length>:<bytes>", concatenated. Values read back from Redis are input like any
// other (another version, a hand edit): decoding never trusts a length.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imsguard::store::redis_codec {

inline void put(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out.append(field.data(), field.size());
}
inline void put(std::string& out, int64_t value) { put(out, std::to_string(value)); }

// All fields, or nullopt if `text` is not a well-formed encoding.
std::optional<std::vector<std::string>> split(std::string_view text);
// Decimal integer field; nullopt if malformed.
std::optional<int64_t> to_int(std::string_view field);

}  // namespace imsguard::store::redis_codec
