#include "store/redis_codec.h"

#include <charconv>

namespace imsguard::store::redis_codec {

std::optional<std::vector<std::string>> split(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 10) return std::nullopt;
    size_t len = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + colon, len);
    if (ec != std::errc() || end != text.data() + colon) return std::nullopt;
    text.remove_prefix(colon + 1);
    if (len > text.size()) return std::nullopt;
    out.emplace_back(text.substr(0, len));
    text.remove_prefix(len);
  }
  return out;
}

std::optional<int64_t> to_int(std::string_view field) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
  if (ec != std::errc() || end != field.data() + field.size() || field.empty()) return std::nullopt;
  return v;
}

}  // namespace imsguard::store::redis_codec
