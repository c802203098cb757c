#include "tvra/risks.h"

#include <algorithm>
#include <ctime>
#include <set>

#include "tvra/input_file.h"
#include "tvra/yaml_reader.h"

namespace imsguard::tvra {

const RiskDecision* RiskRegister::find(std::string_view threat) const {
  for (const auto& d : decisions)
    if (d.threat == threat) return &d;
  return nullptr;
}

const std::vector<std::string>& risk_decision_kinds() {
  static const std::vector<std::string> k{"accepted", "transferred", "mitigated_elsewhere"};
  return k;
}

bool valid_date(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (d[i] < '0' || d[i] > '9') return false;
  int y = std::stoi(std::string(d.substr(0, 4))), m = std::stoi(std::string(d.substr(5, 2))),
      day = std::stoi(std::string(d.substr(8, 2)));
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || day < 1) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return day <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

std::string utc_today() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

RiskRegisterResult load_risks_string(std::string_view yaml, const std::string& origin, const Model& model) {
  RiskRegisterResult result;
  auto root = parse_yaml(yaml, origin, result.errors);
  if (!root) {
    result.status = failed_load(Code::kInvalid, result.errors);
    return result;
  }
  YamlReader r(origin, result.errors);
  RiskRegister reg;
  reg.origin = origin;
  try {
    if (!r.mapping(*root, "risk register", {"tvra_risks", "model", "decisions"})) {
      result.status = failed_load(Code::kInvalid, result.errors);
      return result;
    }
    auto version = r.integer(*root, "tvra_risks", "risk register", true, 1, 1000);
    if (version && *version != 1)
      r.error((*root)["tvra_risks"], "unsupported risk register version " + std::to_string(*version), "tvra_risks: 1");
    r.string(*root, "model", "risk register", false);
    YAML::Node list = (*root)["decisions"];
    std::set<std::string> seen;
    if (list.IsDefined() && !list.IsNull() && r.sequence(list, "decisions")) {
      for (const auto& n : list) {
        if (!r.mapping(n, "decision", {"threat", "decision", "justification", "owner", "ticket", "expires"})) continue;
        RiskDecision d;
        d.line = YamlReader::line_of(n);
        d.threat = r.string(n, "threat", "decision", true).value_or("");
        std::string what = "decision for '" + d.threat + "'";
        d.decision = r.string(n, "decision", what, true).value_or("");
        d.justification = r.string(n, "justification", what, true).value_or("");
        d.owner = r.string(n, "owner", what, true).value_or("");
        d.ticket = r.string(n, "ticket", what, true).value_or("");
        d.expires = r.string(n, "expires", what, true).value_or("");
        if (!d.threat.empty() && !model.threat(d.threat)) {
          std::vector<std::string> ids;
          for (const auto& t : model.threats) ids.push_back(t.id);
          r.error(n["threat"], what + ": unknown threat '" + d.threat + "'", "known threats: " + join_ids(ids));
        }
        if (!d.threat.empty() && !seen.insert(d.threat).second)
          r.error(n["threat"], "a second decision for threat '" + d.threat + "'", "one decision per threat");
        if (!d.decision.empty() &&
            std::find(risk_decision_kinds().begin(), risk_decision_kinds().end(), d.decision) == risk_decision_kinds().end())
          r.error(n["decision"], what + ": unknown decision '" + d.decision + "'", "use " + join_ids(risk_decision_kinds()));
        for (const char* key : {"justification", "owner", "ticket"})
          if (n[key].IsDefined() && n[key].IsScalar() && n[key].Scalar().empty())
            r.error(n[key], what + ": '" + key + "' must not be empty");
        if (!d.expires.empty() && !valid_date(d.expires))
          r.error(n["expires"], what + ": expiry '" + d.expires + "' is not a date", "write it YYYY-MM-DD");
        reg.decisions.push_back(std::move(d));
      }
    }
  } catch (const YAML::Exception& e) {
    result.errors.push_back({origin, e.mark.line >= 0 ? e.mark.line + 1 : 0, 0, "unreadable risk register: " + e.msg, ""});
  }
  if (result.errors.empty()) result.risks = std::move(reg);
  else result.status = failed_load(Code::kInvalid, result.errors);
  return result;
}

RiskRegisterResult load_risks_file(const std::string& path, const Model& model) {
  auto text = read_input_file(path);
  if (!text.ok()) {
    RiskRegisterResult r;
    r.errors.push_back(unreadable(path, "risk register", text.status()));
    r.status = failed_load(text.code(), r.errors);
    return r;
  }
  return load_risks_string(*text, path, model);
}

Gate evaluate_gate(const Analysis& a, const RiskRegister* risks, const std::string& today) {
  Gate g;
  g.today = today;
  if (risks)
    for (const auto& d : risks->decisions)
      if (d.expired(today)) g.expired.push_back(d.threat);
  for (const auto& t : a.threats) {
    if (t.residual.risk_class != "critical") continue;
    const RiskDecision* d = risks ? risks->find(t.threat->id) : nullptr;
    if (d && !d->expired(today)) g.covered.push_back(t.threat->id);
    else g.blocking.push_back(t.threat->id);
  }
  g.pass = g.blocking.empty() && g.expired.empty();
  return g;
}

}  // namespace imsguard::tvra
