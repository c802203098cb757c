// Every key of the schema has a test that changes it and sees it act (tests/config/
// key_effects.h): a key added without one, or whose test is gone, fails here by name.
#include "config/schema.h"
#include "key_effects.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

using namespace imsguard::config;
using imsguard::testing::kKeyEffects;

namespace {

// Every key path the effect table must cover: the schema's, and "key[].field" for the
// fields of a list key's items.
std::set<std::string> all_keys() {
  std::set<std::string> out;
  for (const auto& k : schema()) {
    out.insert(std::string(k.path));
    if (k.kind == Kind::kList)
      for (const auto& item : k.list->items) out.insert(std::string(k.path) + "[]." + std::string(item.path));
  }
  return out;
}

std::string read_test_file(std::string_view file) {
  std::ifstream in(std::string(IMSGUARD_SOURCE_DIR) + "/tests/" + std::string(file));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The last two segments of a key ("flood", "window_s"; "listen", "port"; "", "roles").
std::pair<std::string, std::string> words_of(const std::string& key) {
  std::string k = std::regex_replace(key, std::regex("\\[\\]"), "");
  size_t last = k.rfind('.');
  if (last == std::string::npos) return {"", k};
  size_t before = k.rfind('.', last - 1);
  return {k.substr(before == std::string::npos ? 0 : before + 1, last - (before == std::string::npos ? 0 : before + 1)),
          k.substr(last + 1)};
}

}  // namespace

TEST(ConfigKeyEffects, EveryKeyHasATestThatFlipsIt) {
  std::set<std::string> covered;
  for (const auto& e : kKeyEffects) covered.insert(std::string(e.key));
  for (const auto& key : all_keys())
    EXPECT_TRUE(covered.count(key)) << key << " has no effect test: add a test that changes it and observes the running "
                                       "edge, and its line to tests/config/key_effects.h (or remove the key)";
}

TEST(ConfigKeyEffects, EveryEntryNamesAKeyAndATestThatExistsAndMentionsIt) {
  const auto keys = all_keys();
  std::map<std::string, std::string> files;
  for (const auto& e : kKeyEffects) {
    std::string key(e.key);
    EXPECT_TRUE(keys.count(key)) << key << " in key_effects.h is no key of the schema";
    auto& text = files[std::string(e.file)];
    if (text.empty()) text = read_test_file(e.file);
    ASSERT_FALSE(text.empty()) << "tests/" << e.file << " cannot be read";
    std::string test(e.test);
    size_t dot = test.find('.');
    ASSERT_NE(dot, std::string::npos) << test;
    std::regex declared("TEST(_F|_P)?\\(" + test.substr(0, dot) + ",\\s*" + test.substr(dot + 1) + "\\)");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(text, m, declared)) << test << " is not in tests/" << e.file << " (for " << key << ")";
    // The test's own body for this directory's tests, the file for other areas' (their
    // fixtures set the keys): it must name the key's words.
    size_t begin = static_cast<size_t>(m.position(0));
    size_t end = text.find("\nTEST", begin + 1);
    std::string body = std::string(e.file).rfind("config/", 0) == 0 ? text.substr(begin, end - begin) : text;
    auto [section, leaf] = words_of(key);
    EXPECT_NE(body.find(leaf), std::string::npos) << test << " never mentions " << leaf << " (for " << key << ")";
    if (!section.empty()) {
      EXPECT_NE(body.find(section), std::string::npos) << test << " never mentions " << section << " (for " << key << ")";
    }
  }
}
