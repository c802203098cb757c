// The risk register: strict loading (every field, known threats, real dates, one decision per
// threat) and the gate: a valid decision lets a critical residual risk pass, an expired one
// fails the gate whatever its threat's risk, a critical risk with no decision fails it.
#include "tvra/risks.h"

#include <gtest/gtest.h>

namespace imsguard::tvra {
namespace {

struct Fixture {
  Tables tables;
  Model model;
};

Fixture embedded() {
  auto t = load_embedded_tables();
  EXPECT_TRUE(t.ok());
  auto m = load_embedded_model(*t.tables);
  EXPECT_TRUE(m.ok());
  return {*t.tables, *m.model};
}

std::string entry(const std::string& threat, const std::string& expires, const std::string& decision = "accepted") {
  return "  - { threat: " + threat + ", decision: " + decision +
         ", justification: lab only, owner: architect, ticket: SEC-1, expires: " + expires + " }\n";
}

TEST(RiskRegister, LoadsEveryField) {
  Fixture f = embedded();
  auto r = load_risks_string("tvra_risks: 1\ndecisions:\n" + entry("IC-TAMPER", "2027-01-31", "transferred"), "r.yaml", f.model);
  ASSERT_TRUE(r.ok()) << r.errors.front().to_string();
  ASSERT_EQ(r.risks->decisions.size(), 1u);
  const RiskDecision& d = r.risks->decisions[0];
  EXPECT_EQ(d.threat, "IC-TAMPER");
  EXPECT_EQ(d.decision, "transferred");
  EXPECT_EQ(d.owner, "architect");
  EXPECT_EQ(d.ticket, "SEC-1");
  EXPECT_EQ(d.expires, "2027-01-31");
  EXPECT_EQ(d.line, 3);
  EXPECT_FALSE(d.expired("2027-01-31"));  // valid through its last day
  EXPECT_TRUE(d.expired("2027-02-01"));
}

TEST(RiskRegister, RejectsWhatAReviewerCouldNotTrust) {
  Fixture f = embedded();
  struct Case {
    std::string body, message;
    std::string at = "r.yaml:3:";
  } cases[] = {
      {entry("IC-NOPE", "2027-01-31"), "unknown threat 'IC-NOPE'"},
      {entry("IC-TAMPER", "2027-02-30"), "is not a date"},
      {entry("IC-TAMPER", "31/01/2027"), "is not a date"},
      {entry("IC-TAMPER", "2027-01-31", "ignored"), "unknown decision 'ignored'"},
      {entry("IC-TAMPER", "2027-01-31") + entry("IC-TAMPER", "2027-03-31"), "a second decision", "r.yaml:4:"},
      {"  - { threat: IC-TAMPER, decision: accepted, owner: a, ticket: t, expires: 2027-01-31 }\n", "missing"},
      {"  - { threat: IC-TAMPER, decision: accepted, justification: \"\", owner: a, ticket: t, expires: 2027-01-31 }\n",
       "'justification' must not be empty"},
  };
  for (const auto& c : cases) {
    auto r = load_risks_string("tvra_risks: 1\ndecisions:\n" + c.body, "r.yaml", f.model);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.status.code(), Code::kInvalid) << c.body;
    std::string all;
    for (const auto& e : r.errors) all += e.to_string() + "\n";
    EXPECT_NE(all.find(c.message), std::string::npos) << all;
    EXPECT_NE(all.find(c.at), std::string::npos) << all;
  }
}

// A register path that does not exist is kNotFound (the user's path: exit 2).
TEST(RiskRegister, AMissingFileIsNotFound) {
  Fixture f = embedded();
  auto r = load_risks_file("/nonexistent/imsguard/risks.yaml", f.model);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status.code(), Code::kNotFound);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors.front().message.find("cannot read the risk register"), std::string::npos) << r.errors.front().message;
  auto lab = load_risks_file(std::string(IMSGUARD_SOURCE_DIR) + "/models/lab.risks.yaml", f.model);
  EXPECT_TRUE(lab.ok()) << lab.status.message();
}

TEST(Gate, ValidDecisionCoversExpiredFailsMissingFails) {
  Fixture f = embedded();
  // No countermeasure: many critical residual risks.
  Analysis a = analyse(f.model, f.tables, {});
  std::vector<std::string> critical;
  for (const auto& t : a.threats)
    if (t.residual.risk_class == "critical") critical.push_back(t.threat->id);
  ASSERT_GE(critical.size(), 2u);

  Gate none = evaluate_gate(a, nullptr, "2026-12-01");
  EXPECT_FALSE(none.pass);
  EXPECT_EQ(none.blocking.size(), critical.size());

  std::string all;
  for (const auto& id : critical) all += entry(id, "2027-01-31");
  auto reg = load_risks_string("tvra_risks: 1\ndecisions:\n" + all, "r.yaml", f.model);
  ASSERT_TRUE(reg.ok());
  Gate covered = evaluate_gate(a, &*reg.risks, "2026-12-01");
  EXPECT_TRUE(covered.pass);
  EXPECT_TRUE(covered.blocking.empty());
  EXPECT_EQ(covered.covered.size(), critical.size());

  Gate later = evaluate_gate(a, &*reg.risks, "2027-02-01");  // every decision expired
  EXPECT_FALSE(later.pass);
  EXPECT_EQ(later.blocking.size(), critical.size());
  EXPECT_EQ(later.expired.size(), critical.size());

  // One decision short: that threat blocks.
  std::string short_by_one;
  for (size_t i = 1; i < critical.size(); ++i) short_by_one += entry(critical[i], "2027-01-31");
  auto partial = load_risks_string("tvra_risks: 1\ndecisions:\n" + short_by_one, "r.yaml", f.model);
  ASSERT_TRUE(partial.ok());
  Gate g = evaluate_gate(a, &*partial.risks, "2026-12-01");
  EXPECT_FALSE(g.pass);
  EXPECT_EQ(g.blocking, std::vector<std::string>{critical[0]});
}

TEST(Gate, AnExpiredDecisionFailsEvenWhenItsThreatIsNoLongerCritical) {
  Fixture f = embedded();
  Analysis a = analyse(f.model, f.tables, applied_in_model(f.model));
  ASSERT_EQ(a.count_residual("critical"), 0);
  auto reg = load_risks_string("tvra_risks: 1\ndecisions:\n" + entry("IC-TAMPER", "2026-01-31"), "r.yaml", f.model);
  ASSERT_TRUE(reg.ok());
  Gate g = evaluate_gate(a, &*reg.risks, "2026-12-01");
  EXPECT_FALSE(g.pass);
  EXPECT_EQ(g.expired, std::vector<std::string>{"IC-TAMPER"});
  EXPECT_TRUE(evaluate_gate(a, &*reg.risks, "2026-01-31").pass);
}

TEST(Dates, CalendarRules) {
  EXPECT_TRUE(valid_date("2028-02-29"));
  EXPECT_FALSE(valid_date("2027-02-29"));
  EXPECT_FALSE(valid_date("2100-02-29"));
  EXPECT_TRUE(valid_date("2000-02-29"));
  EXPECT_FALSE(valid_date("2027-13-01"));
  EXPECT_FALSE(valid_date("2027-1-01"));
  EXPECT_TRUE(valid_date(utc_today()));
}

}  // namespace
}  // namespace imsguard::tvra
