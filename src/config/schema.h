#pragma once
// The configuration schema: one descriptor per leaf key (its path, type, range or allowed
// values, reload policy and doc line), so a key is declared once and the reader, the
// known-key check, equality, the reload decision, the effective configuration and the docs
// table are all derived from the same declaration (docs/config-schema.md). A key's default
// is its member initialiser in config.h: the table never repeats it.
#include "config/config.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace imsguard::config {

enum class Kind {
  kBool,
  kUint,        // uint16_t or uint32_t, checked against [min, max]
  kString,      // optionally one of `values`
  kEnum,        // a C++ enum whose values are the indices of `values`
  kStringList,  // each item optionally one of `values`; `optional`: std::optional<std::vector<std::string>>
  kList,        // a list of mappings (sip.listen, servicebox.services): `items` describes one
};

// What SIGHUP does when the key changed: applied to the running process, or named as
// needing a restart (app::Node::reload).
enum class Reload { kRestart, kApplied };

// How the effective configuration shows a secret (never its value).
enum class Secret { kNone, kToken, kUrlPassword };

// Where a key lives in its root (Config, or one item of a list key): the address of the
// member reached through a chain of member pointers, type-erased so one table holds every
// kind. The builders below check the member's type against the kind at compile time.
struct Field {
  void* (*at)(void* root) = nullptr;
  size_t size = 0;  // of the member (kUint, kEnum)
  void* of(void* root) const { return at(root); }
  const void* of(const void* root) const { return at(const_cast<void*>(root)); }
};

struct KeyDescriptor;

// A list of mappings: how to size it and reach its items, and the keys of one item.
struct ListOps {
  std::span<const KeyDescriptor> items;  // paths relative to an item ("transport")
  size_t (*size)(const void* list) = nullptr;
  void* (*item)(void* list, size_t i) = nullptr;
  void (*resize)(void* list, size_t n) = nullptr;
  // A default-constructed item, for the docs' default column of each item key.
  const void* (*prototype)() = nullptr;
};

struct KeyDescriptor {
  std::string_view path;  // "guards.flood.window_s"; a list of mappings is one key ("sip.listen")
  Kind kind = Kind::kBool;
  Field field;
  uint64_t min = 0, max = 0;                  // kUint
  std::span<const std::string_view> values;   // kString/kEnum/kStringList: the allowed values (empty: any)
  Reload reload = Reload::kRestart;
  std::string_view doc;                       // the meaning column of docs/configuration.md
  bool optional = false;                      // kStringList held in a std::optional: absent = unset
  const ListOps* list = nullptr;              // kList
  Secret secret = Secret::kNone;
  std::string_view default_doc;               // the docs' default column when the value says it badly
};

// Every key, in the order of config/imsguard.yaml (tested).
std::span<const KeyDescriptor> schema();
// The descriptor of a key path ("sip.listen", not "sip.listen[0].port"), or nullptr.
const KeyDescriptor* find_key(std::string_view path);
// True when SIGHUP applies the key `path` to a running process (its descriptor says
// Reload::kApplied); any other changed key is named as needing a restart.
bool reloadable(std::string_view path);
// True when `path` is a mapping of keys (a section, "guards.flood") rather than a key.
bool is_section(std::string_view path);

// A key's value as flow-style YAML text ("true", "5", "ims.local", "[a, b]", "[{...}]").
std::string value_text(const KeyDescriptor& key, const void* root);
// Whether two roots (Configs, or items of one list key) hold the same value for `key`.
bool same_value(const KeyDescriptor& key, const void* a, const void* b);
// Sets `key` of `to` to its value in `from`.
void copy_value(const KeyDescriptor& key, const void* from, void* to);

// The key table of docs/configuration.md (key, default, values, reload, meaning), one row per
// key and per field of a list key's items: `imsguard check-config --schema-markdown` prints
// it and a test compares it with the committed page.
std::string schema_markdown();

// Keys the configuration once had: a file that still sets one is refused naming it as removed.
struct RemovedKey {
  std::string_view path, why, hint;
};
std::span<const RemovedKey> removed_keys();
// The removed key `path` is or lies under, or nullptr.
const RemovedKey* removed_key(std::string_view path);

// ---- builders of descriptors (used by the table) ----
namespace schema_detail {

template <class C, class T>
C class_of(T C::*);

// The member reached from a root through a chain of member pointers.
template <auto First, auto... Rest>
struct Path {
  using Root = decltype(class_of(First));
  static auto& member(Root& root) { return ((root.*First) .* ... .* Rest); }
  using Type = std::remove_cvref_t<decltype(member(std::declval<Root&>()))>;
  static void* at(void* root) { return &member(*static_cast<Root*>(root)); }
};
template <auto... M>
using MemberOf = typename Path<M...>::Type;

template <auto... M>
constexpr Field field() {
  return Field{&Path<M...>::at, sizeof(MemberOf<M...>)};
}

template <class T>
constexpr bool kIsStringList = std::is_same_v<T, std::vector<std::string>>;
template <class T>
constexpr bool kIsOptionalStringList = std::is_same_v<T, std::optional<std::vector<std::string>>>;

}  // namespace schema_detail

template <auto... M>
constexpr KeyDescriptor bool_key(std::string_view path, Reload reload, std::string_view doc) {
  static_assert(std::is_same_v<schema_detail::MemberOf<M...>, bool>);
  return {.path = path, .kind = Kind::kBool, .field = schema_detail::field<M...>(), .reload = reload, .doc = doc};
}

template <auto... M>
constexpr KeyDescriptor uint_key(std::string_view path, uint64_t min, uint64_t max, Reload reload, std::string_view doc) {
  using T = schema_detail::MemberOf<M...>;
  static_assert(std::is_same_v<T, uint32_t> || std::is_same_v<T, uint16_t>);
  return {.path = path, .kind = Kind::kUint, .field = schema_detail::field<M...>(), .min = min, .max = max,
          .reload = reload, .doc = doc};
}

template <auto... M>
constexpr KeyDescriptor string_key(std::string_view path, std::span<const std::string_view> values, Reload reload,
                                   std::string_view doc) {
  static_assert(std::is_same_v<schema_detail::MemberOf<M...>, std::string>);
  return {.path = path, .kind = Kind::kString, .field = schema_detail::field<M...>(), .values = values,
          .reload = reload, .doc = doc};
}

template <auto... M>
constexpr KeyDescriptor enum_key(std::string_view path, std::span<const std::string_view> values, Reload reload,
                                 std::string_view doc) {
  using T = schema_detail::MemberOf<M...>;
  static_assert(std::is_enum_v<T> && std::is_same_v<std::underlying_type_t<T>, int>);
  return {.path = path, .kind = Kind::kEnum, .field = schema_detail::field<M...>(), .values = values,
          .reload = reload, .doc = doc};
}

template <auto... M>
constexpr KeyDescriptor list_key(std::string_view path, std::span<const std::string_view> values, Reload reload,
                                 std::string_view doc) {
  using T = schema_detail::MemberOf<M...>;
  static_assert(schema_detail::kIsStringList<T> || schema_detail::kIsOptionalStringList<T>);
  return {.path = path, .kind = Kind::kStringList, .field = schema_detail::field<M...>(), .values = values,
          .reload = reload, .doc = doc, .optional = schema_detail::kIsOptionalStringList<T>};
}

// A list of mappings of `Item`; `ops` is list_ops<Item>() below.
template <auto... M>
constexpr KeyDescriptor items_key(std::string_view path, const ListOps& ops, Reload reload, std::string_view doc,
                                  std::string_view default_doc) {
  static_assert(std::is_same_v<schema_detail::MemberOf<M...>,
                               std::vector<typename schema_detail::MemberOf<M...>::value_type>>);
  return {.path = path, .kind = Kind::kList, .field = schema_detail::field<M...>(), .reload = reload, .doc = doc,
          .list = &ops, .default_doc = default_doc};
}

template <class Item>
constexpr ListOps list_ops(std::span<const KeyDescriptor> items) {
  return {items, [](const void* l) { return static_cast<const std::vector<Item>*>(l)->size(); },
          [](void* l, size_t i) -> void* { return &(*static_cast<std::vector<Item>*>(l))[i]; },
          [](void* l, size_t n) { static_cast<std::vector<Item>*>(l)->resize(n); },
          []() -> const void* {
            static const Item prototype{};
            return &prototype;
          }};
}

}  // namespace imsguard::config
