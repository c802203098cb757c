// The model loader: a valid model with exposure defaults, and every kind of error reported
// with its file, line and a hint, and no model returned.
#include "tvra/model.h"

#include <gtest/gtest.h>

namespace imsguard::tvra {
namespace {

Tables tables() {
  auto r = load_embedded_tables();
  EXPECT_TRUE(r.ok());
  return *r.tables;
}

// Line numbers in the tests below count from the first line of this text.
const char* kSmall = R"(tvra_model: 1
name: small
exposure:
  public: { window: unlimited, knowledge: public, equipment: standard }
components:
  - { id: ue, name: client, zone: access }
  - { id: edge, name: edge, zone: edge }
interfaces:
  - { id: I-C, between: [ue, edge], exposure: public }
assets:
  - { id: svc, impact: { availability: high } }
threats:
  - id: T1
    name: flood
    family: denial_of_service
    interface: I-C
    asset: svc
    objective: availability
    factors: { time: one_day, expertise: layman }
countermeasures:
  - { id: C1, name: guard, addresses: [T1], factors: { expertise: proficient } }
)";

std::string with(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

ModelResult load(const std::string& text) {
  static Tables t = tables();
  return load_model_string(text, "m.yaml", t);
}

TEST(Model, LoadsAndFillsFactorsFromTheExposure) {
  auto r = load(kSmall);
  ASSERT_TRUE(r.ok()) << r.errors.front().to_string();
  const Threat* t = r.model->threat("T1");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->line, 13);
  EXPECT_EQ(t->stride, "D");
  EXPECT_FALSE(t->factor_from_exposure[kTime]);
  EXPECT_TRUE(t->factor_from_exposure[kWindow]);
  EXPECT_TRUE(t->factor_from_exposure[kEquipment]);
  Tables tb = tables();
  EXPECT_EQ(tb.factors[kWindow].levels[static_cast<size_t>(t->factors[kWindow])].id, "unlimited");
  ASSERT_EQ(r.model->countermeasures.size(), 1u);
  EXPECT_TRUE(r.model->countermeasures[0].applied);
}

TEST(Model, UnknownReferenceNamesTheLineAndTheKnownIds) {
  auto r = load(with(kSmall, "    interface: I-C", "    interface: I-X"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status.code(), Code::kInvalid);
  ASSERT_FALSE(r.errors.empty());
  const Diagnostic& d = r.errors.front();
  EXPECT_EQ(d.file, "m.yaml");
  EXPECT_EQ(d.line, 16);
  EXPECT_NE(d.message.find("unknown interface 'I-X'"), std::string::npos);
  EXPECT_NE(d.hint.find("I-C"), std::string::npos);
  EXPECT_EQ(d.to_string().rfind("m.yaml:16:", 0), 0u);
  EXPECT_EQ(r.status.message().rfind(d.to_string(), 0), 0u) << r.status.message();
}

// A model file that is not there is the user's path, not its content: kNotFound (exit 2), with
// the same diagnostic shape as every other error.
TEST(Model, AMissingFileIsNotFound) {
  Tables t = tables();
  auto r = load_model_file("/nonexistent/imsguard/model.yaml", t);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status.code(), Code::kNotFound);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors.front().file, "/nonexistent/imsguard/model.yaml");
  EXPECT_NE(r.errors.front().message.find("cannot read the model file: No such file or directory"), std::string::npos)
      << r.errors.front().message;
  EXPECT_NE(r.status.message().find("cannot read the model file"), std::string::npos) << r.status.message();
  EXPECT_TRUE(load_model_file(std::string(IMSGUARD_SOURCE_DIR) + "/models/ims.yaml", t).status.ok());
}

TEST(Model, UnknownThreatInACountermeasure) {
  auto r = load(with(kSmall, "addresses: [T1]", "addresses: [T9]"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status.code(), Code::kInvalid);
  EXPECT_EQ(r.errors.front().line, 21);
  EXPECT_NE(r.errors.front().message.find("unknown threat 'T9'"), std::string::npos);
}

TEST(Model, MissingFactorWithoutExposureDefault) {
  // Without the exposure section nothing supplies window, knowledge or equipment.
  auto r = load(with(kSmall, "  public: { window: unlimited, knowledge: public, equipment: standard }\n", ""));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status.code(), Code::kInvalid);
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_NE(r.errors[0].message.find("missing factor 'knowledge'"), std::string::npos);
  EXPECT_EQ(r.errors[0].line, 18);  // the threat's factors mapping (one line earlier: exposure line removed)
  EXPECT_NE(r.errors[0].hint.find("public, restricted, sensitive, critical"), std::string::npos);
}

TEST(Model, ValueOutOfRange) {
  auto r = load(with(kSmall, "expertise: layman }", "expertise: 5 }"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status.code(), Code::kInvalid);
  EXPECT_EQ(r.errors.front().line, 19);
  EXPECT_NE(r.errors.front().message.find("value 5 is out of range for factor 'expertise'"), std::string::npos);
  EXPECT_NE(r.errors.front().hint.find("proficient=3"), std::string::npos);
  // A number that is one of the table's values is accepted as that level.
  EXPECT_TRUE(load(with(kSmall, "expertise: layman }", "expertise: 3 }")).ok());
}

TEST(Model, UnknownLevelAndUnknownKeyAndDuplicateId) {
  auto r = load(with(kSmall, "expertise: layman }", "expertise: guru }"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status.code(), Code::kInvalid);
  EXPECT_NE(r.errors.front().message.find("'guru' is not a level of factor 'expertise'"), std::string::npos);

  r = load(with(kSmall, "    objective: availability", "    objective: availability\n    factor: {}"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status.code(), Code::kInvalid);
  EXPECT_EQ(r.errors.front().line, 19);
  EXPECT_NE(r.errors.front().message.find("unknown key 'factor'"), std::string::npos);

  r = load(with(kSmall, "  - { id: edge, name: edge", "  - { id: ue, name: edge"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status.code(), Code::kInvalid);
  EXPECT_EQ(r.errors.front().line, 7);
  EXPECT_NE(r.errors.front().message.find("duplicate component id 'ue'"), std::string::npos);
}

TEST(Model, ObjectiveTheAssetDoesNotHave) {
  auto r = load(with(kSmall, "    objective: availability", "    objective: integrity"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status.code(), Code::kInvalid);
  EXPECT_EQ(r.errors.front().line, 18);
  EXPECT_NE(r.errors.front().hint.find("availability"), std::string::npos);
}

TEST(Model, YamlSyntaxErrorHasItsLine) {
  auto r = load(with(kSmall, "    family: denial_of_service", "    family: [denial_of_service"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status.code(), Code::kInvalid);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors.front().message.find("YAML syntax"), std::string::npos);
  EXPECT_GE(r.errors.front().line, 15);
  EXPECT_LE(r.errors.front().line, 17);
}

TEST(Model, WrongTypesAreErrorsNotCrashes) {
  for (const std::string& bad : {std::string("42"), std::string("[1, 2]"), std::string("threats: 7"), std::string("")}) {
    auto r = load(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_FALSE(r.errors.empty()) << bad;
    EXPECT_EQ(r.status.code(), Code::kInvalid) << bad;
  }
  auto r = load(with(kSmall, "between: [ue, edge]", "between: ue"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status.code(), Code::kInvalid);
  EXPECT_NE(r.errors.front().message.find("exactly two"), std::string::npos);
}

TEST(Model, TruncatedAndMangledModelsGiveErrorsNotCrashes) {
  // Bad input must always end in diagnostics (ASan/UBSan watch the rest).
  const std::string yaml(embedded_model_yaml());
  int failures = 0;
  for (size_t n = 0; n < yaml.size(); n += 211) {
    auto r = load(yaml.substr(0, n));
    EXPECT_TRUE(r.ok() || !r.errors.empty()) << "prefix " << n;
    EXPECT_EQ(r.ok(), r.status.ok()) << "prefix " << n;
    failures += !r.ok();
    std::string mangled = yaml;
    mangled[n] = mangled[n] == ':' ? '[' : ':';
    auto m = load(mangled);
    EXPECT_TRUE(m.ok() || !m.errors.empty()) << "mangled at " << n;
    EXPECT_EQ(m.ok(), m.status.ok()) << "mangled at " << n;
  }
  EXPECT_GT(failures, 0);
}

TEST(Model, EmbeddedDefaultLoads) {
  Tables t = tables();
  auto r = load_embedded_model(t);
  ASSERT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors.front().to_string());
  EXPECT_GE(r.model->threats.size(), 20u);
  for (const char* id : {"I-C", "I-S", "C-S", "Mw", "Cx"}) EXPECT_NE(r.model->interface(id), nullptr) << id;
}

}  // namespace
}  // namespace imsguard::tvra
