// The audit: the rules table credits only what runs (dead switches change nothing), bind
// addresses weigh on exposure (loopback vs any), the configuration checks (MD5, TLS floors,
// admin exposure, token and SDES transport) land on the key's line, and a weakened
// configuration leaves more and higher residual risk than the lab default.
#include "tvra/audit.h"

#include "config/schema.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tvra/report.h"

namespace imsguard::tvra {
namespace {

struct Fixture {
  Tables tables;
  Model model;
};

Fixture model() {
  auto t = load_embedded_tables();
  EXPECT_TRUE(t.ok());
  auto m = load_model_file(std::string(IMSGUARD_SOURCE_DIR) + "/models/ims.yaml", *t.tables);
  EXPECT_TRUE(m.ok());
  return {*t.tables, *m.model};
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A configuration from YAML text, audited with that text as its source (for key lines).
struct Audited {
  config::Config config;
  AuditResult result;
};

Audited run(const Fixture& f, const std::string& yaml, const std::string& uri = "c.yaml") {
  auto r = config::load_string(yaml, uri);
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors.front().to_string());
  config::Config c = r.ok() ? *r.config : config::Config{};
  return {c, audit(c, {uri, uri, yaml}, f.model, f.tables)};
}

std::string lab_yaml() { return std::string(config::default_yaml()); }

std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

bool decided(const AuditResult& r, const std::string& id) {
  for (const auto& d : r.decisions)
    if (d.countermeasure == id) return d.enabled;
  ADD_FAILURE() << "no decision for " << id;
  return false;
}

int residual(const AuditResult& r, const std::string& id) {
  for (const auto& t : r.analysis.threats)
    if (t.threat->id == id) return t.residual.risk;
  ADD_FAILURE() << "no threat " << id;
  return -1;
}

std::vector<int> residuals(const AuditResult& r) {
  std::vector<std::pair<std::string, int>> v;
  for (const auto& t : r.analysis.threats) v.push_back({t.threat->id, t.residual.risk});
  std::sort(v.begin(), v.end());
  std::vector<int> out;
  for (const auto& p : v) out.push_back(p.second);
  return out;
}

const LocatedFinding* finding(const AuditResult& r, const std::string& check) {
  for (const auto& f : r.findings)
    if (f.finding.check == check) return &f;
  return nullptr;
}

TEST(AuditRules, EveryRuleNamesACountermeasureOfTheModelAndTheKeysItReads) {
  Fixture f = model();
  for (const auto& rule : countermeasure_rules()) {
    EXPECT_NE(f.model.countermeasure(rule.countermeasure), nullptr) << rule.countermeasure;
    EXPECT_FALSE(rule.keys.empty()) << rule.countermeasure;
    EXPECT_NE(std::string(rule.enforced_by), "") << rule.countermeasure;
    if (std::string(rule.enforced_by).rfind("none", 0) == 0) continue;  // reported, never credited
    for (const auto& key : rule.keys)
      EXPECT_TRUE(config::find_key(key) != nullptr) << rule.countermeasure << " reads " << key << ", no key of the schema";
    for (const auto& dead : dead_switches())
      EXPECT_EQ(std::find(rule.keys.begin(), rule.keys.end(), dead.key), rule.keys.end())
          << rule.countermeasure << " reads the dead switch " << dead.key;
  }
  for (const auto& cm : f.model.countermeasures) EXPECT_NE(rule_for(cm.id), nullptr) << cm.id << " has no rule";
  // A dead switch is a key of the schema that nothing reads, never a key that is gone.
  for (const auto& dead : dead_switches()) EXPECT_NE(config::find_key(dead.key), nullptr) << dead.key;
}

// The switches the configuration issue listed as having no reader were removed (issue 19): a
// file that sets one is refused, so the audit can never be given one. Topology hiding is not
// built: never credited, never proposed.
TEST(AuditRules, RemovedSwitchesCannotBeWrittenAndTopologyHidingIsCreditedOnlyWhenOn) {
  Fixture f = model();
  Audited lab = run(f, lab_yaml());
  for (const char* yaml : {"core: {sign_assertions: true}\n", "guards: {parse: {enabled: true}}\n"})
    EXPECT_FALSE(config::load_string(yaml, "t").ok()) << yaml;
  EXPECT_TRUE(config::load_string("identity: {topology_hiding: false}\n", "t").ok());
  EXPECT_TRUE(decided(lab.result, "topology-hiding"));
  Audited off = run(f, replace(lab_yaml(), "topology_hiding: true", "topology_hiding: false"));
  EXPECT_FALSE(decided(off.result, "topology-hiding"));
  EXPECT_EQ(residuals(lab.result), residuals(run(f, lab_yaml()).result));  // deterministic
}

TEST(AuditRules, LiveSwitchesAreCredited) {
  Fixture f = model();
  Audited lab = run(f, lab_yaml());
  for (const char* id : {"tls-offered", "flood-guard", "bruteforce-lockout", "srtp-optional", "identity-assertion",
                         "scanner-guard", "mtls-is", "signed-assertion", "strict-parsing", "authentication", "admin-off"})
    EXPECT_TRUE(decided(lab.result, id)) << id;
  for (const char* id : {"tls-only", "srtp-mandatory", "no-md5", "token-over-tls", "admin-loopback"})
    EXPECT_FALSE(decided(lab.result, id)) << id;
  Audited no_assert = run(f, replace(lab_yaml(), "assert_authenticated: true", "assert_authenticated: false"));
  EXPECT_FALSE(decided(no_assert.result, "identity-assertion"));
  for (const auto& t : no_assert.result.analysis.threats)
    if (t.threat->id == "IC-SPOOF") {
      EXPECT_EQ(std::find(t.countermeasures.begin(), t.countermeasures.end(), "identity-assertion"), t.countermeasures.end());
    }
  // The asserted identity is credited only where the tests show it proven (issue 17 F8a):
  // over UDP the 407 of auth.challenge_udp_requests; in P-CSCF mode a UDP listener is not.
  Audited unchallenged = run(f, replace(lab_yaml(), "challenge_udp_requests: true", "challenge_udp_requests: false"));
  EXPECT_FALSE(decided(unchallenged.result, "identity-assertion"));
  ASSERT_NE(finding(unchallenged.result, "udp-request-trust"), nullptr);
  EXPECT_EQ(finding(lab.result, "udp-request-trust"), nullptr);
  Audited pcscf = run(f, replace(lab_yaml(), "scscf: embedded", "scscf: \"sip:192.0.2.10:5060\""));
  EXPECT_FALSE(decided(pcscf.result, "identity-assertion"));
  ASSERT_NE(finding(pcscf.result, "core-trust"), nullptr) << "a UDP S-CSCF without core.auth_key_file";
  EXPECT_EQ(finding(lab.result, "core-trust"), nullptr);
  Audited wide = run(f, replace(lab_yaml(), "max_contacts_per_aor: 10", "max_contacts_per_aor: 5000"));
  ASSERT_NE(finding(wide.result, "contact-cap"), nullptr);
  EXPECT_EQ(finding(lab.result, "contact-cap"), nullptr);
  Audited unsigned_box = run(f, replace(lab_yaml(), "require_signed_assertion: true", "require_signed_assertion: false"));
  EXPECT_GT(residual(unsigned_box.result, "IS-FORGED-ID"), residual(lab.result, "IS-FORGED-ID"));
}

// Loopback vs any: the same listeners on 0.0.0.0 leave threats that need only to reach the
// edge more likely; path threats (their window is the threat's own) do not change.
TEST(AuditExposure, LoopbackWeighsLessThanAnyAddress) {
  Fixture f = model();
  std::string lab = lab_yaml();
  std::string any = lab;
  for (const char* l : {"{ transport: udp, address: 127.0.0.1", "{ transport: tcp, address: 127.0.0.1",
                        "{ transport: tls, address: 127.0.0.1"}) {
    std::string to = l;
    to.replace(to.find("127.0.0.1"), 9, "0.0.0.0");
    any = replace(any, l, to);
  }
  Audited local = run(f, lab), open = run(f, any);
  ASSERT_EQ(local.result.exposure.front().interface, "I-C");
  EXPECT_TRUE(local.result.exposure.front().loopback_only);
  EXPECT_FALSE(open.result.exposure.front().loopback_only);
  // IC-FLOOD by hand: any address: one_month 4 + proficient 3 + 0 + unlimited 0 + bespoke 7 = 14,
  // L2 x 2 = 4; loopback: the window becomes difficult 10: 24, L1 x 2 = 2.
  EXPECT_EQ(residual(open.result, "IC-FLOOD"), 4);
  EXPECT_EQ(residual(local.result, "IC-FLOOD"), 2);
  for (const char* id : {"IC-EAVESDROP", "IC-TAMPER"}) EXPECT_EQ(residual(open.result, id), residual(local.result, id)) << id;
  EXPECT_GT(open.result.analysis.residual_total, local.result.analysis.residual_total);
  // The reason is traceable: the window's origin names the bind.
  for (const auto& t : local.result.analysis.threats)
    if (t.threat->id == "IC-FLOOD") { EXPECT_EQ(t.inherent.origin[kWindow], "bind loopback (sip.listen[0], sip.listen[1], sip.listen[2])"); }
  // The bind-address finding appears only for the listeners on any address.
  EXPECT_EQ(finding(local.result, "bind-address"), nullptr);
  EXPECT_NE(finding(open.result, "bind-address"), nullptr);
}

TEST(AuditExposure, AdminOnAnyAddressIsTreatedAsPublic) {
  Fixture f = model();
  std::string token = "token: \"0123456789abcdef0123\"";
  Audited local = run(f, replace(lab_yaml(), "token: \"\"", token));
  std::string any = replace(replace(lab_yaml(), "token: \"\"", token), "listen: { address: 127.0.0.1, port: 9090 }",
                            "listen: { address: 0.0.0.0, port: 9090 }");
  Audited open = run(f, any);
  EXPECT_TRUE(decided(local.result, "admin-loopback"));
  EXPECT_EQ(residual(local.result, "OAM-TOKEN"), 0);
  // 0.0.0.0: the filtered management network's defaults give way to the public ones:
  // one_day 0 + proficient 3 + public 0 + unlimited 0 + standard 0 = 3, L3; 3 x 3 = 9.
  EXPECT_EQ(residual(open.result, "OAM-TOKEN"), 9);
  const LocatedFinding* a = finding(open.result, "admin-exposure");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->finding.level, "error");
  const LocatedFinding* l = finding(local.result, "admin-exposure");
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->finding.level, "note");
}

TEST(AuditChecks, Md5TlsFloorsTokenAndSdesTransportAtTheirLines) {
  Fixture f = model();
  std::string lab = lab_yaml();
  Audited r = run(f, lab);
  auto line_of = [&lab](const std::string& text) {
    auto at = lab.find(text);
    return at == std::string::npos ? -1 : static_cast<int>(std::count(lab.begin(), lab.begin() + static_cast<long>(at), '\n')) + 1;
  };
  const LocatedFinding* md5 = finding(r.result, "digest-md5");
  ASSERT_NE(md5, nullptr);
  EXPECT_EQ(md5->finding.key, "auth.digest_algorithms");
  EXPECT_EQ(md5->location.line, line_of("  digest_algorithms:"));
  EXPECT_TRUE(md5->location.exact);
  const LocatedFinding* plain = finding(r.result, "plaintext-transport");
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(plain->location.line, line_of("    - { transport: udp"));
  const LocatedFinding* token = finding(r.result, "token-transport");
  ASSERT_NE(token, nullptr);
  // TLS floor: the https listener does not apply tls.min_version.
  bool https_floor = false;
  for (const auto& x : r.result.findings)
    https_floor = https_floor || (x.finding.check == "tls-floor" && x.finding.key == "servicebox.https_listen");
  EXPECT_TRUE(https_floor);
  bool every_listener = true;
  for (const auto& l : r.result.listeners) every_listener = every_listener && !l.tls_floor.empty() && !l.ciphers.empty();
  EXPECT_TRUE(every_listener);
  EXPECT_EQ(finding(r.result, "sdes-transport"), nullptr);
  Audited sdes = run(f, replace(lab, "sdes_requires_tls: true", "sdes_requires_tls: false"));
  ASSERT_NE(finding(sdes.result, "sdes-transport"), nullptr);
  EXPECT_EQ(finding(sdes.result, "sdes-transport")->finding.level, "error");  // udp/tcp listeners too
  Audited no_md5 = run(f, replace(lab, "digest_algorithms: [SHA-256, MD5]", "digest_algorithms: [SHA-256]"));
  EXPECT_EQ(finding(no_md5.result, "digest-md5"), nullptr);
  EXPECT_TRUE(decided(no_md5.result, "no-md5"));
  EXPECT_LT(residual(no_md5.result, "IC-DIGEST-MD5"), residual(r.result, "IC-DIGEST-MD5"));
}

TEST(Audit, WeakenedConfigLeavesMoreAndHigherRisk) {
  Fixture f = model();
  Audited def = run(f, lab_yaml());
  Audited weak = run(f, slurp(std::string(IMSGUARD_SOURCE_DIR) + "/tests/tvra/data/weakened.yaml"));
  EXPECT_FALSE(weak.config.has_listener(config::Transport::kTls));
  EXPECT_EQ(weak.config.media.srtp_policy, config::SrtpPolicy::kOff);
  EXPECT_GT(weak.result.analysis.residual_total, def.result.analysis.residual_total);
  EXPECT_GT(weak.result.analysis.count_residual("critical"), def.result.analysis.count_residual("critical"));
  for (const auto& w : weak.result.analysis.threats)
    for (const auto& d : def.result.analysis.threats)
      if (w.threat->id == d.threat->id) { EXPECT_GE(w.residual.risk, d.residual.risk) << w.threat->id; }
  EXPECT_GT(residual(weak.result, "IC-FLOOD"), residual(def.result, "IC-FLOOD"));
  EXPECT_GT(residual(weak.result, "IC-TAMPER"), residual(def.result, "IC-TAMPER"));
  EXPECT_GT(residual(weak.result, "CS-INJECT"), residual(def.result, "CS-INJECT"));
  EXPECT_GT(residual(weak.result, "IC-BRUTE"), residual(def.result, "IC-BRUTE"));
}

TEST(Audit, NextStepsClearTheMostCriticalRisksFirstAndEndWithoutCriticals) {
  Fixture f = model();
  Audited weak = run(f, slurp(std::string(IMSGUARD_SOURCE_DIR) + "/tests/tvra/data/weakened.yaml"));
  const auto& next = weak.result.next;
  ASSERT_FALSE(next.empty());
  int residual_total = weak.result.analysis.residual_total;
  int criticals = weak.result.analysis.count_residual("critical");
  for (size_t k = 0; k < next.size(); ++k) {
    EXPECT_GT(next[k].risk_removed, 0);
    EXPECT_EQ(next[k].residual_after, residual_total - next[k].risk_removed);
    EXPECT_EQ(next[k].criticals_after, criticals - next[k].criticals_removed);
    residual_total = next[k].residual_after;
    criticals = next[k].criticals_after;
    EXPECT_FALSE(next[k].config.empty());
  }
  // The first step clears at least as many critical risks as any other single step would.
  for (const auto& cm : weak.result.model.countermeasures) {
    if (weak.result.analysis.applied.count(cm.id) || cm.id == "topology-hiding") continue;
    auto with = weak.result.analysis.applied;
    with.insert(cm.id);
    int cleared = weak.result.analysis.count_residual("critical") -
                  analyse(weak.result.model, f.tables, with).count_residual("critical");
    EXPECT_LE(cleared, next.front().criticals_removed) << cm.id;
  }
  EXPECT_EQ(criticals, 0);
  // Steps that change what users see say so.
  for (const auto& n : next)
    if (n.countermeasure == "tls-only" || n.countermeasure == "srtp-mandatory") { EXPECT_FALSE(n.consequence.empty()); }
}

TEST(Audit, ModelCountermeasuresWithoutAConfigKeyKeepTheirAppliedFlag) {
  Fixture f = model();
  Countermeasure extra;
  extra.id = "manual-review";
  extra.name = "manual";
  extra.addresses = {"MW-EAVESDROP"};
  extra.factors.assign(kFactorCount, std::nullopt);
  extra.factors[kTime] = f.tables.factors[kTime].index_of("not_practical");
  extra.applied = true;
  f.model.countermeasures.push_back(extra);
  Audited r = run(f, lab_yaml());
  EXPECT_EQ(r.result.from_model, std::vector<std::string>{"manual-review"});
  EXPECT_TRUE(r.result.analysis.applied.count("manual-review"));
}

TEST(ConfigLines, KeysAndListItems) {
  std::string yaml = "a: 1\nsip:\n  listen:\n    - { transport: udp }\n    - { transport: tls, port: 5061 }\nb:\n  c: x\n";
  EXPECT_EQ(locate_key(yaml, "sip.listen[1].port").line, 5);
  EXPECT_TRUE(locate_key(yaml, "sip.listen[1].port").exact);
  EXPECT_EQ(locate_key(yaml, "b.c").line, 7);
  KeyLocation missing = locate_key(yaml, "b.d");
  EXPECT_FALSE(missing.exact);
  EXPECT_EQ(missing.line, 6);  // the nearest written section
  EXPECT_EQ(locate_key(yaml, "zzz").line, 1);
}

}  // namespace
}  // namespace imsguard::tvra
