#include "tvra/config_lines.h"

#include <yaml-cpp/yaml.h>

#include <vector>

namespace imsguard::tvra {

namespace {

// "a.b[2].c" -> {"a", "b", "[2]", "c"}
std::vector<std::string> split(const std::string& key) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : key) {
    if (c == '.' || c == '[') {
      if (!cur.empty()) parts.push_back(cur);
      cur = c == '[' ? "[" : "";
    } else if (c == ']') {
      parts.push_back(cur + "]");
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) parts.push_back(cur);
  return parts;
}

}  // namespace

KeyLocation locate_key(const std::string& text, const std::string& key) {
  KeyLocation loc;
  YAML::Node node;
  try {
    node = YAML::Load(text);
  } catch (const YAML::Exception&) {
    return loc;
  }
  auto parts = split(key);
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    bool found = false;
    if (p.front() == '[' && node.IsSequence()) {
      size_t index = std::stoul(p.substr(1, p.size() - 2));
      if (index < node.size()) {
        YAML::Node child = node[index];
        node.reset(child);  // rebind; operator= would overwrite the tree
        loc.line = node.Mark().line + 1;
        found = true;
      }
    } else if (node.IsMap()) {
      for (const auto& kv : node) {
        if (kv.first.IsScalar() && kv.first.Scalar() == p) {
          loc.line = kv.first.Mark().line + 1;
          node.reset(kv.second);
          found = true;
          break;
        }
      }
    }
    if (!found) return loc;
    if (i + 1 == parts.size()) loc.exact = true;
  }
  return loc;
}

}  // namespace imsguard::tvra
