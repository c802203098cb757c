// The defaults are said once: the C++ struct defaults, config/imsguard.yaml (the embedded
// default) and docs/configuration.md must agree key by key, so a file that leaves a key out
// gets what the documentation promises (issue 19: `servicebox.services` was empty in the
// struct and full in the file). Also: removed keys, the rules between keys, the reload policy.
#include "config/config.h"
#include "config/effective.h"
#include "config/schema.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

using namespace imsguard::config;

namespace {

// Key paths of a YAML tree, with the same convention as flatten(): a list is one key.
void paths(const YAML::Node& n, const std::string& path, std::vector<std::string>& out) {
  if (n.IsMap()) {
    for (const auto& kv : n) paths(kv.second, path.empty() ? kv.first.Scalar() : path + "." + kv.first.Scalar(), out);
    return;
  }
  out.push_back(path);
}

std::vector<std::string> keys_of(const FlatConfig& f) {
  std::vector<std::string> out;
  for (const auto& [k, v] : f) out.push_back(k);
  return out;
}

std::vector<std::string> errors_at(const std::string& yaml) {
  auto r = load_string(yaml, "t.yaml");
  std::vector<std::string> out;
  for (const auto& e : r.errors) out.push_back(e.path);
  return out;
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST(ConfigDefaults, StructDefaultsEqualTheEmbeddedFileKeyByKey) {
  auto loaded = load_default();
  ASSERT_TRUE(loaded.ok()) << loaded.errors[0].to_string();
  FlatConfig file = flatten(*loaded.config);
  FlatConfig code = flatten(Config{});
  ASSERT_EQ(keys_of(file), keys_of(code));
  for (size_t i = 0; i < file.size(); ++i)
    EXPECT_EQ(code[i].second, file[i].second) << file[i].first << ": the struct default differs from config/imsguard.yaml";
}

TEST(ConfigDefaults, AnEmptyFileGetsTheEmbeddedDefaults) {
  // The documented promise: absent keys take the values of config/imsguard.yaml.
  auto empty = load_string("log: {level: info}\n", "t.yaml");
  ASSERT_TRUE(empty.ok()) << empty.errors[0].to_string();
  EXPECT_EQ(flatten(*empty.config), flatten(*load_default().config));
  EXPECT_EQ(empty.config->servicebox.services.size(), 3u);
  EXPECT_EQ(empty.config->sip.listen.size(), 3u);
}

TEST(ConfigDefaults, EveryKeyOfTheFileIsWrittenByTheEffectiveConfiguration) {
  std::vector<std::string> in_file;
  paths(YAML::Load(std::string(default_yaml())), "", in_file);
  std::vector<std::string> written = keys_of(flatten(Config{}));
  std::set<std::string> a(in_file.begin(), in_file.end()), b(written.begin(), written.end());
  for (const auto& k : a) EXPECT_TRUE(b.count(k)) << k << " is in config/imsguard.yaml but not in config/effective.cpp";
  for (const auto& k : b) EXPECT_TRUE(a.count(k)) << k << " is written by config/effective.cpp but not in config/imsguard.yaml";
}

TEST(ConfigDefaults, EffectiveYamlLoadsBackToTheSameConfiguration) {
  auto r = load_string(
      "roles: [edge]\nlog: {level: debug}\nsip:\n  workers: 3\n"
      "  peers: ['10.0.0.2:5060', '[2001:db8::2]:5062']\n  peer_key_file: /etc/imsguard/peer.key\n  listen: [{transport: udp, address: 10.0.0.1, port: 5080}]\n"
      "guards: {order: [flood, banlist], flood: {allowlist: [10.0.0.0/8], window_s: 5}}\n"
      "servicebox: {services: [{name: x, method: MESSAGE, may_assert: ['sip:*@a.b']}]}\n"
      "admin: {token: 0123456789abcdef0123}\n",
      "t.yaml");
  ASSERT_TRUE(r.ok()) << r.errors[0].to_string();
  std::string text = effective_config_yaml(*r.config, true);
  auto back = load_string(text, "effective");
  ASSERT_TRUE(back.ok()) << back.errors[0].to_string() << "\n" << text;
  EXPECT_EQ(flatten(*back.config), flatten(*r.config)) << text;
  EXPECT_TRUE(changed_keys(*back.config, *r.config).empty());
  EXPECT_EQ(effective_config_yaml(*r.config, false).find("0123456789abcdef0123"), std::string::npos) << "the token is redacted";
  auto changed = changed_keys(*load_default().config, *r.config);
  EXPECT_NE(std::find(changed.begin(), changed.end(), "guards.flood.window_s"), changed.end());
  EXPECT_NE(std::find(changed.begin(), changed.end(), "servicebox.services"), changed.end());
  EXPECT_EQ(std::find(changed.begin(), changed.end(), "guards.flood.enabled"), changed.end());
}

TEST(ConfigRemovedKeys, EachIsNamedAsRemovedWithAHint) {
  for (const char* yaml : {"identity: {strip_client_asserted: true}\n",
                           "guards: {size: {enabled: true}}\n", "guards: {parse: {enabled: true}}\n",
                           "guards: {sanity: {enabled: true}}\n", "guards: {auth: {enabled: false}}\n",
                           "guards: {identity: {enabled: true}}\n", "core: {sign_assertions: true}\n"}) {
    auto r = load_string(yaml, "t.yaml");
    ASSERT_EQ(r.errors.size(), 1u) << yaml;
    EXPECT_NE(r.errors[0].message.find("removed key"), std::string::npos) << r.errors[0].to_string();
    EXPECT_FALSE(r.errors[0].hint.empty()) << yaml;
    EXPECT_EQ(r.errors[0].line, 1) << yaml;
  }
  auto order = load_string("guards: {order: [banlist, size, flood]}\n", "t.yaml");
  ASSERT_EQ(order.errors.size(), 1u);
  EXPECT_EQ(order.errors[0].path, "guards.order");
  EXPECT_NE(order.errors[0].message.find("'size' was removed"), std::string::npos) << order.errors[0].to_string();
  // The old embedded default's identity section, as users copied it (topology_hiding is a
  // key again since it is implemented, edge/topology_hiding.h).
  EXPECT_EQ(errors_at("identity:\n  strip_client_asserted: true\n  assert_authenticated: true\n  topology_hiding: true\n"),
            (std::vector<std::string>{"identity.strip_client_asserted"}));
}

TEST(ConfigRules, DefaultExpiresLiesBetweenMinAndMax) {
  EXPECT_EQ(errors_at("registrar: {default_expires_s: 30}\n"), (std::vector<std::string>{"registrar.default_expires_s"}));
  EXPECT_EQ(errors_at("registrar: {default_expires_s: 8000}\n"), (std::vector<std::string>{"registrar.default_expires_s"}));
  EXPECT_EQ(errors_at("registrar: {max_expires_s: 600}\n"), (std::vector<std::string>{"registrar.default_expires_s"}));
  EXPECT_TRUE(errors_at("registrar: {min_expires_s: 30, default_expires_s: 30, max_expires_s: 30}\n").empty());
  auto r = load_string("registrar:\n  min_expires_s: 60\n  default_expires_s: 10\n", "t.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 3);
}

TEST(ConfigRules, OtherRulesRunWouldFailOn) {
  EXPECT_EQ(errors_at("auth: {aka: false, digest: false}\n"), (std::vector<std::string>{"auth"}));
  EXPECT_TRUE(errors_at("auth: {aka: false, digest: false}\ncore: {scscf: 'sip:192.0.2.1:5060'}\n").empty());
  EXPECT_EQ(errors_at("media: {crypto_suites: [AES_CM_256_HMAC_SHA1_80]}\n"), (std::vector<std::string>{"media.crypto_suites"}));
  EXPECT_EQ(errors_at("admin: {token: short}\n"), (std::vector<std::string>{"admin.token"}));
  EXPECT_TRUE(errors_at("admin: {token: ''}\n").empty());
  EXPECT_TRUE(errors_at("admin: {token: 0123456789abcdef}\n").empty());
}

// What app::Node::reload applies (the reload e2e test sees each of these act after SIGHUP):
// the log level, the event output, the edge's certificate files and every guard key.
TEST(ConfigReloadPolicy, TheSchemaMarksExactlyWhatTheNodeApplies) {
  EXPECT_FALSE(reloadable("guardsx"));
  EXPECT_FALSE(reloadable("guards.flood"));
  for (const auto& k : schema()) {
    std::string_view p = k.path;
    bool applied = p == "log.level" || p == "events.output" || p == "tls.ca" || p == "tls.cert" || p == "tls.key" ||
                   p.rfind("guards.", 0) == 0;
    EXPECT_EQ(reloadable(p), applied) << p;
  }
}

// docs/configuration.md's key table is generated from the schema (`imsguard check-config
// --schema-markdown`): the committed page must hold exactly what the schema prints, so a key
// added, changed or removed in the schema without regenerating the page fails here.
TEST(ConfigDocs, TheKeyTableIsTheSchemas) {
  std::string doc = read(std::string(IMSGUARD_SOURCE_DIR) + "/docs/configuration.md");
  const std::string begin = "<!-- Generated by `imsguard check-config --schema-markdown`";
  const std::string end = "<!-- End of the generated table. -->";
  size_t a = doc.find(begin), b = doc.find(end);
  ASSERT_NE(a, std::string::npos) << "docs/configuration.md lost its generated-table marker";
  ASSERT_NE(b, std::string::npos);
  a = doc.find("-->", a);
  ASSERT_LT(a, b);
  std::string committed = doc.substr(doc.find('\n', a) + 1, b - doc.find('\n', a) - 1);
  std::istringstream page(committed), generated(schema_markdown());
  std::string a_line, b_line;
  int line = 0, differences = 0;
  while (differences < 5) {
    bool more_a = static_cast<bool>(std::getline(page, a_line)), more_b = static_cast<bool>(std::getline(generated, b_line));
    if (!more_a && !more_b) break;
    ++line;
    if (!more_a) a_line = "(end of the table)";
    if (!more_b) b_line = "(end of the table)";
    if (a_line != b_line) {
      ++differences;
      ADD_FAILURE() << "table row " << line << " differs from the schema:\n  page:   " << a_line << "\n  schema: " << b_line
                    << "\nregenerate: imsguard check-config --schema-markdown, between the markers of the page";
    }
  }
  // Every key has its row (what the generator promises, checked on the page itself).
  for (const auto& k : schema()) EXPECT_NE(committed.find("| `" + std::string(k.path) + "` |"), std::string::npos) << k.path;
}
