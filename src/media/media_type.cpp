#include "media/media_type.h"

#include <algorithm>
#include <cctype>

namespace imsguard::media {
namespace {

bool is_tchar(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

void skip_ws(std::string_view s, size_t& i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
}

std::optional<std::string> token(std::string_view s, size_t& i) {
  size_t start = i;
  while (i < s.size() && is_tchar(s[i])) ++i;
  if (i == start) return std::nullopt;
  std::string t(s.substr(start, i - start));
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return t;
}

std::optional<std::string> quoted(std::string_view s, size_t& i) {
  std::string out;
  for (++i; i < s.size(); ++i) {
    if (s[i] == '"') {
      ++i;
      return out;
    }
    if (s[i] == '\\') {
      if (++i == s.size()) return std::nullopt;
    }
    out.push_back(s[i]);
  }
  return std::nullopt;  // unterminated
}

}  // namespace

const std::string* MediaType::parameter(std::string_view name) const {
  for (const auto& [n, v] : parameters)
    if (n == name) return &v;
  return nullptr;
}

std::optional<MediaType> parse_media_type(std::string_view s) {
  MediaType m;
  size_t i = 0;
  skip_ws(s, i);
  auto type = token(s, i);
  skip_ws(s, i);
  if (!type || i == s.size() || s[i] != '/') return std::nullopt;
  ++i;
  skip_ws(s, i);
  auto subtype = token(s, i);
  if (!subtype) return std::nullopt;
  m.type = std::move(*type);
  m.subtype = std::move(*subtype);
  for (;;) {
    skip_ws(s, i);
    if (i == s.size()) return m;
    if (s[i] != ';') return std::nullopt;
    ++i;
    skip_ws(s, i);
    auto name = token(s, i);
    skip_ws(s, i);
    if (!name || i == s.size() || s[i] != '=') return std::nullopt;
    ++i;
    skip_ws(s, i);
    if (i == s.size()) return std::nullopt;
    std::optional<std::string> value;
    if (s[i] == '"') {
      value = quoted(s, i);
    } else {
      size_t start = i;
      while (i < s.size() && is_tchar(s[i])) ++i;
      if (i > start) value = std::string(s.substr(start, i - start));
    }
    if (!value) return std::nullopt;
    m.parameters.emplace_back(std::move(*name), std::move(*value));
  }
}

}  // namespace imsguard::media
