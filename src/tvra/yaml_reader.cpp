#include "tvra/yaml_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <limits>

namespace imsguard::tvra {

int YamlReader::line_of(const YAML::Node& node) {
  if (!node.IsDefined()) return 0;
  int line = node.Mark().line;
  return line >= 0 ? line + 1 : 0;
}

void YamlReader::error(const YAML::Node& at, std::string message, std::string hint) {
  Diagnostic d;
  d.file = file_;
  if (at.IsDefined() && at.Mark().line >= 0) {
    d.line = at.Mark().line + 1;
    d.column = at.Mark().column + 1;
  }
  d.message = std::move(message);
  d.hint = std::move(hint);
  out_.push_back(std::move(d));
}

bool YamlReader::mapping(const YAML::Node& node, std::string_view what,
                         std::initializer_list<std::string_view> known) {
  if (!node.IsMap()) {
    error(node, std::string(what) + " must be a mapping (key: value)");
    return false;
  }
  for (const auto& kv : node) {
    std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::vector<std::string> keys(known.begin(), known.end());
      error(kv.first, "unknown key '" + key + "' in " + std::string(what), "known keys here: " + join_ids(keys));
    }
  }
  return true;
}

bool YamlReader::sequence(const YAML::Node& node, std::string_view what) {
  if (!node.IsSequence()) {
    error(node, std::string(what) + " must be a list");
    return false;
  }
  return true;
}

std::optional<std::string> YamlReader::string(const YAML::Node& map, std::string_view key, std::string_view what,
                                              bool required) {
  YAML::Node v = map[std::string(key)];
  if (!v.IsDefined() || v.IsNull()) {
    if (required) error(map, std::string(what) + " is missing '" + std::string(key) + "'", "add " + std::string(key) + ": ...");
    return std::nullopt;
  }
  if (!v.IsScalar()) {
    error(v, std::string(what) + ": '" + std::string(key) + "' must be a single value");
    return std::nullopt;
  }
  return v.Scalar();
}

std::optional<long> YamlReader::integer(const YAML::Node& map, std::string_view key, std::string_view what,
                                        bool required, long min, long max) {
  auto text = string(map, key, what, required);
  if (!text) return std::nullopt;
  YAML::Node v = map[std::string(key)];
  errno = 0;
  char* end = nullptr;
  long value = std::strtol(text->c_str(), &end, 10);
  if (text->empty() || *end != '\0' || errno != 0) {
    error(v, std::string(what) + ": '" + std::string(key) + "' must be an integer, not '" + *text + "'");
    return std::nullopt;
  }
  if (value < min || value > max) {
    error(v, std::string(what) + ": '" + std::string(key) + "' = " + std::to_string(value) + " is out of range",
          "use " + std::to_string(min) + ".." + std::to_string(max));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> YamlReader::boolean(const YAML::Node& map, std::string_view key, std::string_view what,
                                        bool required) {
  auto text = string(map, key, what, required);
  if (!text) return std::nullopt;
  if (*text == "true") return true;
  if (*text == "false") return false;
  error(map[std::string(key)], std::string(what) + ": '" + std::string(key) + "' must be true or false");
  return std::nullopt;
}

std::vector<std::string> YamlReader::strings(const YAML::Node& map, std::string_view key, std::string_view what,
                                             bool required) {
  std::vector<std::string> out;
  YAML::Node v = map[std::string(key)];
  if (!v.IsDefined() || v.IsNull()) {
    if (required) error(map, std::string(what) + " is missing '" + std::string(key) + "'", "add " + std::string(key) + ": [...]");
    return out;
  }
  if (v.IsScalar()) {
    out.push_back(v.Scalar());
    return out;
  }
  if (!v.IsSequence()) {
    error(v, std::string(what) + ": '" + std::string(key) + "' must be a list of names");
    return out;
  }
  for (const auto& item : v) {
    if (!item.IsScalar()) {
      error(item, std::string(what) + ": '" + std::string(key) + "' entries must be names");
      continue;
    }
    out.push_back(item.Scalar());
  }
  return out;
}

std::string join_ids(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ", ") + id;
  return out;
}

std::optional<YAML::Node> parse_yaml(std::string_view text, const std::string& file, Diagnostics& out) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    Diagnostic d;
    d.file = file;
    if (e.mark.line >= 0) {
      d.line = e.mark.line + 1;
      d.column = e.mark.column + 1;
    }
    d.message = "YAML syntax: " + e.msg;
    d.hint = "check indentation, colons and quoting on this line or the one before";
    out.push_back(std::move(d));
    return std::nullopt;
  }
}

}  // namespace imsguard::tvra
