#include "config/effective.h"

#include "config/effective_yaml.h"
#include "config/schema_yaml.h"

#include <yaml-cpp/yaml.h>

namespace imsguard::config {

namespace {

// redis://[user]:password@host... -> the password replaced.
std::string redact_state(const std::string& state) {
  auto scheme = state.find("://");
  auto at = state.find('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return state;
  auto colon = state.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return state;
  return state.substr(0, colon + 1) + kRedacted + state.substr(at);
}

// Every key of the Config, in the schema's order (that of config/imsguard.yaml).
YAML::Node tree(const Config& c, bool with_secrets) {
  YAML::Node root(YAML::NodeType::Map);
  for (const auto& key : schema()) {
    YAML::Node at;
    at.reset(root);
    std::string_view path = key.path;
    for (size_t dot; (dot = path.find('.')) != std::string_view::npos; path.remove_prefix(dot + 1)) {
      YAML::Node next = at[std::string(path.substr(0, dot))];
      at.reset(next);
    }
    YAML::Node value = value_node(key, &c);
    if (!with_secrets && key.secret == Secret::kUrlPassword) value = redact_state(value.Scalar());
    if (!with_secrets && key.secret == Secret::kToken && !value.Scalar().empty())
      value = std::string(kRedacted) + "-admin-token";  // long enough to load back: the API is seen as on
    at[std::string(path)] = value;
  }
  return root;
}

std::string emit(const YAML::Node& n) {
  YAML::Emitter out;
  out << n;
  return out.c_str();
}

}  // namespace

std::string effective_config_yaml(const Config& c, bool with_secrets) { return emit(tree(c, with_secrets)) + "\n"; }

FlatConfig flatten(const Config& c) {
  FlatConfig out;
  for (const auto& key : schema()) out.emplace_back(std::string(key.path), value_text(key, &c));
  return out;
}

std::vector<std::string> changed_keys(const Config& a, const Config& b) {
  std::vector<std::string> out;
  for (const auto& key : schema())
    if (!same_value(key, &a, &b)) out.emplace_back(key.path);
  return out;
}

}  // namespace imsguard::config
