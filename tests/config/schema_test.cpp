// The descriptor table (config/schema.h) is the configuration's one list of keys: it names
// every key of config/imsguard.yaml in the file's order and no other, its ranges hold the
// defaults, and the operations derived from it (value text, equality, copy) see every key.
#include "config/config.h"
#include "config/schema.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstring>
#include <set>

using namespace imsguard::config;

namespace {

// Key paths of a YAML tree: nested mappings give dotted paths, a list is one key.
void paths(const YAML::Node& n, const std::string& path, std::vector<std::string>& out) {
  if (n.IsMap()) {
    for (const auto& kv : n) paths(kv.second, path.empty() ? kv.first.Scalar() : path + "." + kv.first.Scalar(), out);
    return;
  }
  out.push_back(path);
}

std::vector<std::string> schema_paths() {
  std::vector<std::string> out;
  for (const auto& k : schema()) out.emplace_back(k.path);
  return out;
}

}  // namespace

TEST(ConfigSchema, NamesEveryKeyOfTheEmbeddedFileInItsOrder) {
  std::vector<std::string> in_file;
  paths(YAML::Load(std::string(default_yaml())), "", in_file);
  EXPECT_EQ(schema_paths(), in_file);
}

TEST(ConfigSchema, PathsAreUniqueAndNoKeyIsASectionOfAnother) {
  std::set<std::string> seen;
  for (const auto& k : schema()) {
    EXPECT_TRUE(seen.insert(std::string(k.path)).second) << k.path << " declared twice";
    EXPECT_FALSE(is_section(k.path)) << k.path << " is both a key and a section";
    EXPECT_FALSE(k.doc.empty()) << k.path << " has no doc line";
    EXPECT_EQ(removed_key(k.path), nullptr) << k.path << " is declared and removed";
    if (k.kind == Kind::kList) {
      for (const auto& item : k.list->items) EXPECT_FALSE(item.doc.empty()) << k.path << "[]." << item.path;
    }
  }
  EXPECT_TRUE(is_section("guards.flood"));
  EXPECT_TRUE(is_section("sip"));
  EXPECT_FALSE(is_section("sip.domain"));
  EXPECT_FALSE(is_section("guards.floo"));
  EXPECT_NE(find_key("guards.flood.window_s"), nullptr);
  EXPECT_EQ(find_key("guards.flood"), nullptr);
}

TEST(ConfigSchema, DefaultsLieInTheirRangeAndAmongTheirValues) {
  const Config c;
  for (const auto& k : schema()) {
    std::string v = value_text(k, &c);
    if (k.kind == Kind::kUint) {
      uint64_t n = std::stoull(v);
      EXPECT_GE(n, k.min) << k.path;
      EXPECT_LE(n, k.max) << k.path;
      EXPECT_LE(k.max, k.field.size == 2 ? 0xffffu : 0xffffffffu) << k.path << ": the range exceeds the member";
    }
    if ((k.kind == Kind::kString || k.kind == Kind::kEnum) && !k.values.empty()) {
      EXPECT_NE(std::find(k.values.begin(), k.values.end(), v), k.values.end()) << k.path << " default " << v;
    }
  }
}

TEST(ConfigSchema, EqualityAndCopySeeEveryKey) {
  // Each key changed alone in a copy: only it differs, and copying it back makes them equal.
  const Config base;
  for (const auto& k : schema()) {
    Config changed = base;
    void* at = k.field.of(&changed);
    switch (k.kind) {
      case Kind::kBool: *static_cast<bool*>(at) = !*static_cast<bool*>(at); break;
      case Kind::kUint:
        if (k.field.size == 2) *static_cast<uint16_t*>(at) = static_cast<uint16_t>(*static_cast<uint16_t*>(at) + 1);
        else *static_cast<uint32_t*>(at) += 1;
        break;
      case Kind::kString: *static_cast<std::string*>(at) += "x"; break;
      case Kind::kEnum: {
        int v;
        std::memcpy(&v, at, sizeof v);
        v = (v + 1) % static_cast<int>(k.values.size());
        std::memcpy(at, &v, sizeof v);
        break;
      }
      case Kind::kStringList: static_cast<std::vector<std::string>*>(at)->push_back("x"); break;
      case Kind::kList: k.list->resize(at, k.list->size(at) + 1); break;
    }
    for (const auto& other : schema())
      EXPECT_EQ(same_value(other, &base, &changed), &other != &k) << "changing " << k.path << " shows in " << other.path;
    EXPECT_NE(value_text(k, &base), value_text(k, &changed)) << k.path;
    Config back = base;
    copy_value(k, &changed, &back);
    EXPECT_FALSE(same_value(k, &base, &back)) << k.path;
    EXPECT_TRUE(same_value(k, &changed, &back)) << k.path;
  }
}

TEST(ConfigSchema, ListItemsCompareFieldByField) {
  Config a, b;
  const KeyDescriptor* services = find_key("servicebox.services");
  ASSERT_NE(services, nullptr);
  EXPECT_TRUE(same_value(*services, &a, &b));
  b.servicebox.services[0].may_assert = std::vector<std::string>{};
  EXPECT_FALSE(same_value(*services, &a, &b)) << "unset and empty differ";
  a.servicebox.services[0].may_assert = std::vector<std::string>{};
  EXPECT_TRUE(same_value(*services, &a, &b));
  b.sip.listen[1].port = 5099;
  EXPECT_FALSE(same_value(*find_key("sip.listen"), &a, &b));
  EXPECT_EQ(value_text(*find_key("sip.listen"), &a),
            "[{transport: udp, address: 127.0.0.1, port: 5060}, {transport: tcp, address: 127.0.0.1, port: 5060}, "
            "{transport: tls, address: 127.0.0.1, port: 5061}]");
}

// An enum key's values are named by index: the names must follow the C++ enum's order.
TEST(ConfigSchema, EnumValuesFollowTheEnumsOrder) {
  const KeyDescriptor* listen = find_key("sip.listen");
  ASSERT_NE(listen, nullptr);
  const KeyDescriptor* transport = nullptr;
  for (const auto& item : listen->list->items)
    if (item.path == "transport") transport = &item;
  ASSERT_NE(transport, nullptr);
  for (Transport t : {Transport::kUdp, Transport::kTcp, Transport::kTls}) {
    Listener l;
    l.transport = t;
    EXPECT_EQ(value_text(*transport, &l), transport_name(t));
  }
  const KeyDescriptor* policy = find_key("media.srtp_policy");
  ASSERT_NE(policy, nullptr);
  for (SrtpPolicy p : {SrtpPolicy::kOff, SrtpPolicy::kOptional, SrtpPolicy::kMandatory}) {
    Config c;
    c.media.srtp_policy = p;
    EXPECT_EQ(value_text(*policy, &c), srtp_policy_name(p));
    auto back = load_string("media: {srtp_policy: " + std::string(srtp_policy_name(p)) + "}\n", "t");
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back.config->media.srtp_policy, p);
  }
}
