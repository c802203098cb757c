#include "config/schema.h"

#include "config/schema_yaml.h"

#include <cstring>

namespace imsguard::config {

namespace {

uint64_t get_uint(const KeyDescriptor& k, const void* root) {
  const void* p = k.field.of(root);
  if (k.field.size == sizeof(uint16_t)) {
    uint16_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

int get_enum(const KeyDescriptor& k, const void* root) {
  int v;
  std::memcpy(&v, k.field.of(root), sizeof v);
  return v;
}

const std::vector<std::string>* get_list(const KeyDescriptor& k, const void* root) {
  const void* p = k.field.of(root);
  if (!k.optional) return static_cast<const std::vector<std::string>*>(p);
  const auto& o = *static_cast<const std::optional<std::vector<std::string>>*>(p);
  return o ? &*o : nullptr;
}

}  // namespace

const KeyDescriptor* find_key(std::string_view path) {
  for (const auto& k : schema())
    if (k.path == path) return &k;
  return nullptr;
}

bool reloadable(std::string_view path) {
  const KeyDescriptor* k = find_key(path);
  return k && k->reload == Reload::kApplied;
}

bool is_section(std::string_view path) {
  if (path.empty()) return true;
  for (const auto& k : schema())
    if (k.path.size() > path.size() && k.path.substr(0, path.size()) == path && k.path[path.size()] == '.') return true;
  return false;
}

const RemovedKey* removed_key(std::string_view path) {
  for (const auto& k : removed_keys())
    if (path == k.path || (path.size() > k.path.size() && path.substr(0, k.path.size()) == k.path &&
                           path[k.path.size()] == '.'))
      return &k;
  return nullptr;
}

YAML::Node value_node(const KeyDescriptor& k, const void* root) {
  switch (k.kind) {
    case Kind::kBool:
      return YAML::Node(*static_cast<const bool*>(k.field.of(root)));
    case Kind::kUint:
      return YAML::Node(get_uint(k, root));
    case Kind::kString:
      return YAML::Node(*static_cast<const std::string*>(k.field.of(root)));
    case Kind::kEnum: {
      int v = get_enum(k, root);
      return YAML::Node(v >= 0 && static_cast<size_t>(v) < k.values.size() ? std::string(k.values[v]) : "?");
    }
    case Kind::kStringList: {
      const auto* items = get_list(k, root);
      if (!items) return YAML::Node(YAML::NodeType::Null);
      YAML::Node n(YAML::NodeType::Sequence);
      for (const auto& i : *items) n.push_back(i);
      n.SetStyle(YAML::EmitterStyle::Flow);
      return n;
    }
    case Kind::kList: {
      YAML::Node n(YAML::NodeType::Sequence);
      const void* list = k.field.of(root);
      for (size_t i = 0; i < k.list->size(list); ++i) {
        const void* item = k.list->item(const_cast<void*>(list), i);
        YAML::Node e(YAML::NodeType::Map);
        for (const auto& field : k.list->items) {
          YAML::Node v = value_node(field, item);
          if (!v.IsNull()) e[std::string(field.path)] = v;
        }
        e.SetStyle(YAML::EmitterStyle::Flow);
        n.push_back(e);
      }
      return n;
    }
  }
  return {};
}

std::string value_text(const KeyDescriptor& k, const void* root) {
  YAML::Node n = value_node(k, root);
  if (n.IsScalar()) return n.Scalar();
  if (n.IsNull()) return "";
  n.SetStyle(YAML::EmitterStyle::Flow);
  YAML::Emitter out;
  out << n;
  return out.c_str();
}

bool same_value(const KeyDescriptor& k, const void* a, const void* b) {
  switch (k.kind) {
    case Kind::kBool:
      return *static_cast<const bool*>(k.field.of(a)) == *static_cast<const bool*>(k.field.of(b));
    case Kind::kUint:
      return get_uint(k, a) == get_uint(k, b);
    case Kind::kString:
      return *static_cast<const std::string*>(k.field.of(a)) == *static_cast<const std::string*>(k.field.of(b));
    case Kind::kEnum:
      return get_enum(k, a) == get_enum(k, b);
    case Kind::kStringList: {
      const auto *la = get_list(k, a), *lb = get_list(k, b);
      return (la == nullptr) == (lb == nullptr) && (!la || *la == *lb);
    }
    case Kind::kList: {
      const void *la = k.field.of(a), *lb = k.field.of(b);
      size_t n = k.list->size(la);
      if (n != k.list->size(lb)) return false;
      for (size_t i = 0; i < n; ++i)
        for (const auto& field : k.list->items)
          if (!same_value(field, k.list->item(const_cast<void*>(la), i), k.list->item(const_cast<void*>(lb), i)))
            return false;
      return true;
    }
  }
  return false;
}

void copy_value(const KeyDescriptor& k, const void* from, void* to) {
  switch (k.kind) {
    case Kind::kBool:
    case Kind::kUint:
    case Kind::kEnum:
      std::memcpy(k.field.of(to), k.field.of(from), k.kind == Kind::kBool ? sizeof(bool) : k.field.size);
      return;
    case Kind::kString:
      *static_cast<std::string*>(k.field.of(to)) = *static_cast<const std::string*>(k.field.of(from));
      return;
    case Kind::kStringList:
      if (k.optional)
        *static_cast<std::optional<std::vector<std::string>>*>(k.field.of(to)) =
            *static_cast<const std::optional<std::vector<std::string>>*>(k.field.of(from));
      else
        *static_cast<std::vector<std::string>*>(k.field.of(to)) =
            *static_cast<const std::vector<std::string>*>(k.field.of(from));
      return;
    case Kind::kList: {
      const void* src = k.field.of(from);
      void* dst = k.field.of(to);
      size_t n = k.list->size(src);
      k.list->resize(dst, n);
      for (size_t i = 0; i < n; ++i)
        for (const auto& field : k.list->items)
          copy_value(field, k.list->item(const_cast<void*>(src), i), k.list->item(dst, i));
      return;
    }
  }
}

}  // namespace imsguard::config
