#include "config/schema_reader.h"

#include <algorithm>
#include <cstring>
#include <set>

namespace imsguard::config {

namespace {

std::string join(std::string_view prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : std::string(prefix) + "." + std::string(key);
}

std::string joined(std::span<const std::string_view> values, std::string_view sep) {
  std::string out;
  for (auto v : values) out += (out.empty() ? "" : std::string(sep)) + std::string(v);
  return out;
}

size_t distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// Walks one mapping of a root (the Config, or one item of a list key) whose keys are `keys`.
class Walker {
 public:
  Walker(std::vector<ConfigError>& errors, std::span<const KeyDescriptor> keys, void* root, bool top)
      : errors_(errors), keys_(keys), root_(root), top_(top) {}

  // `rel`: the path of `node` among `keys` ("" at the root); `shown`: the path in messages.
  void mapping(const YAML::Node& node, const std::string& rel, const std::string& shown) {
    for (const auto& kv : node) {
      std::string name = kv.first.IsScalar() ? kv.first.Scalar() : "";
      std::string key = join(rel, name), where = join(shown, name);
      if (top_)
        if (const RemovedKey* gone = removed_key(key)) {
          add_error(errors_, kv.first, where, "removed key: " + std::string(gone->why), std::string(gone->hint));
          continue;
        }
      if (const KeyDescriptor* d = find(key)) {
        if (!kv.second.IsNull()) value(*d, kv.second, where);
      } else if (section(key)) {
        if (kv.second.IsNull()) continue;
        if (!kv.second.IsMap()) add_error(errors_, kv.second, where, "must be a mapping", "known keys here: " + children(key));
        else mapping(kv.second, key, where);
      } else {
        add_error(errors_, kv.first, where, "unknown key", unknown_hint(rel, name));
      }
    }
  }

 private:
  const KeyDescriptor* find(std::string_view path) const {
    for (const auto& k : keys_)
      if (k.path == path) return &k;
    return nullptr;
  }

  bool section(std::string_view path) const {
    return std::any_of(keys_.begin(), keys_.end(), [&](const KeyDescriptor& k) {
      return k.path.size() > path.size() && k.path.substr(0, path.size()) == path && k.path[path.size()] == '.';
    });
  }

  // The names directly under `rel`, in table order.
  std::vector<std::string> child_names(std::string_view rel) const {
    std::vector<std::string> out;
    for (const auto& k : keys_) {
      std::string_view p = k.path;
      if (!rel.empty()) {
        if (p.size() <= rel.size() || p.substr(0, rel.size()) != rel || p[rel.size()] != '.') continue;
        p.remove_prefix(rel.size() + 1);
      }
      std::string name(p.substr(0, p.find('.')));
      if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
    }
    return out;
  }

  std::string children(std::string_view rel) const {
    std::string out;
    for (const auto& n : child_names(rel)) out += (out.empty() ? "" : ", ") + n;
    return out;
  }

  std::string unknown_hint(std::string_view rel, std::string_view name) const {
    std::string best;
    size_t best_d = 3;
    for (const auto& n : child_names(rel))
      if (size_t d = distance(name, n); d < best_d) {
        best_d = d;
        best = n;
      }
    std::string hint = best.empty() ? "" : "did you mean '" + best + "'? ";
    return hint + "known keys here: " + children(rel);
  }

  // `text` among the descriptor's values: its index, or an error.
  int among(const KeyDescriptor& k, const YAML::Node& node, const std::string& where, const std::string& text) {
    for (size_t i = 0; i < k.values.size(); ++i)
      if (k.values[i] == text) return static_cast<int>(i);
    // A list that names sections (guards.order) names a removed section as removed.
    std::string_view parent = k.path.substr(0, k.path.rfind('.') == std::string_view::npos ? 0 : k.path.rfind('.'));
    if (const RemovedKey* gone = top_ && !parent.empty() ? removed_key(join(parent, text)) : nullptr)
      add_error(errors_, node, where, "'" + text + "' was removed from " + std::string(k.path) + ": " + std::string(gone->why),
                std::string(k.path) + " lists: " + joined(k.values, " "));
    else
      add_error(errors_, node, where, "unknown value '" + text + "'", "one of: " + joined(k.values, " | "));
    return -1;
  }

  void value(const KeyDescriptor& k, const YAML::Node& n, const std::string& where) {
    void* at = k.field.of(root_);
    switch (k.kind) {
      case Kind::kBool: {
        std::string s = n.IsScalar() ? n.Scalar() : "";
        if (s == "true" || s == "yes" || s == "on") *static_cast<bool*>(at) = true;
        else if (s == "false" || s == "no" || s == "off") *static_cast<bool*>(at) = false;
        else add_error(errors_, n, where, "must be true or false", s.empty() ? "" : "got '" + s + "'");
        return;
      }
      case Kind::kUint: {
        std::string s = n.IsScalar() ? n.Scalar() : "";
        bool ok = !s.empty() && s.size() <= 19 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
        uint64_t v = ok ? std::stoull(s) : 0;
        if (!ok || v < k.min || v > k.max) {
          add_error(errors_, n, where,
                    "must be an integer in [" + std::to_string(k.min) + ", " + std::to_string(k.max) + "]",
                    s.empty() ? "" : "got '" + s + "'");
          return;
        }
        if (k.field.size == sizeof(uint16_t)) {
          auto w = static_cast<uint16_t>(v);
          std::memcpy(at, &w, sizeof w);
        } else {
          auto w = static_cast<uint32_t>(v);
          std::memcpy(at, &w, sizeof w);
        }
        return;
      }
      case Kind::kString:
      case Kind::kEnum: {
        if (!n.IsScalar()) {
          add_error(errors_, n, where, "must be a string");
          return;
        }
        if (k.kind == Kind::kString && k.values.empty()) {
          *static_cast<std::string*>(at) = n.Scalar();
          return;
        }
        int i = among(k, n, where, n.Scalar());
        if (i < 0) return;
        if (k.kind == Kind::kString) *static_cast<std::string*>(at) = n.Scalar();
        else std::memcpy(at, &i, sizeof i);
        return;
      }
      case Kind::kStringList: {
        if (!n.IsSequence()) {
          add_error(errors_, n, where, "must be a list", "write [a, b] or one '- item' per line");
          return;
        }
        std::vector<std::string> items;
        for (const auto& item : n) {
          if (!item.IsScalar()) {
            add_error(errors_, item, where, "list items must be strings");
            continue;
          }
          if (!k.values.empty() && among(k, item, where, item.Scalar()) < 0) continue;
          items.push_back(item.Scalar());
        }
        if (k.optional) *static_cast<std::optional<std::vector<std::string>>*>(at) = std::move(items);
        else *static_cast<std::vector<std::string>*>(at) = std::move(items);
        return;
      }
      case Kind::kList: {
        std::string fields;
        for (const auto& f : k.list->items) fields += (fields.empty() ? "" : ", ") + std::string(f.path);
        if (!n.IsSequence()) {
          add_error(errors_, n, where, "must be a list of {" + fields + "}");
          return;
        }
        k.list->resize(at, 0);
        for (size_t i = 0; i < n.size(); ++i) {
          std::string item_where = where + "[" + std::to_string(i) + "]";
          if (!n[i].IsMap()) {
            add_error(errors_, n[i], item_where, "must be a mapping {" + fields + "}");
            continue;
          }
          size_t at_index = k.list->size(at);
          k.list->resize(at, at_index + 1);
          Walker(errors_, k.list->items, k.list->item(at, at_index), false).mapping(n[i], "", item_where);
        }
        return;
      }
    }
  }

  std::vector<ConfigError>& errors_;
  std::span<const KeyDescriptor> keys_;
  void* root_;
  bool top_;
};

}  // namespace

void add_error(std::vector<ConfigError>& errors, const YAML::Node& node, std::string path, std::string message,
               std::string hint) {
  int line = node.IsDefined() && node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
  errors.push_back({std::move(path), line, std::move(message), std::move(hint)});
}

void read_schema_keys(const YAML::Node& node, Config& config, std::vector<ConfigError>& errors) {
  Walker(errors, schema(), &config, true).mapping(node, "", "");
}

YAML::Node node_at(const YAML::Node& root, std::string_view path) {
  YAML::Node at;
  at.reset(root);
  while (!path.empty() && at.IsMap()) {
    size_t dot = path.find('.');
    std::string name(path.substr(0, dot));
    const YAML::Node& here = at;
    YAML::Node next = here[name];
    if (!next.IsDefined() || next.IsNull()) break;
    at.reset(next);
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  }
  return at;
}

}  // namespace imsguard::config
