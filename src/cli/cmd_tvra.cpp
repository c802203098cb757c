// `imsguard tvra [MODEL]`: ETSI TVRA (TS 102 165-1) of a system model: threats ranked by risk
// before and after countermeasures, and the interfaces ranked. Output is rendered whole before
// anything is written, so a model error never leaves half a report behind (exit 2; exit 1 when
// an input cannot be read for a reason other than its path).
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "tvra/analysis.h"
#include "tvra/run.h"

namespace {

struct Options {
  std::string model;
  std::string format = "text";
  std::string output;
  std::string tables;
  std::string risks;
  std::string today;
};

imsguard::cli::CommandRegistration reg{[](CLI::App& app) {
  auto opt = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("tvra", "Threat, vulnerability and risk analysis (ETSI TS 102 165-1) of a system model");
  cmd->add_option("model", opt->model, "model YAML file; omitted: the embedded IMS model (models/ims.yaml)");
  cmd->add_option("-f,--format", opt->format, "text | json | sarif | html")->capture_default_str();
  cmd->add_option("-o,--output", opt->output, "write the report to this file instead of stdout");
  cmd->add_option("--tables", opt->tables, "TVRA tables YAML; omitted: the embedded ts102165-1.yaml");
  cmd->add_option("--risks", opt->risks, "risk register YAML (accepted, transferred, mitigated elsewhere), shown in the report");
  cmd->add_option("--today", opt->today, "the date decisions expire against, YYYY-MM-DD (default: today, UTC)");
  cmd->callback([opt] {
    using namespace imsguard::tvra;
    auto format = parse_format(opt->format);
    if (!format) {
      std::cerr << "error: unknown --format '" << opt->format << "' (hint: text, json, sarif or html)\n";
      imsguard::cli::exit_status() = 2;
      return;
    }
    if (!opt->today.empty() && !valid_date(opt->today)) {
      std::cerr << "error: --today '" << opt->today << "' is not a date (hint: YYYY-MM-DD)\n";
      imsguard::cli::exit_status() = 2;
      return;
    }
    Loaded loaded = load({opt->tables, opt->model, opt->risks, IMSGUARD_VERSION});
    if (!loaded.ok()) {
      for (const auto& e : loaded.errors) std::cerr << e.to_string() << "\n";
      std::cerr << loaded.errors.size() << " error(s); nothing computed\n";
      // 2: the user's file is wrong or missing; 1: it could not be read, or the embedded data is broken.
      imsguard::cli::exit_status() = imsguard::cli::exit_status_for(loaded.status.code());
      return;
    }
    Analysis analysis = analyse(*loaded.model, *loaded.tables, applied_in_model(*loaded.model));
    ReportContext ctx;
    ctx.provenance = loaded.provenance;
    ctx.risks = loaded.risks ? &*loaded.risks : nullptr;
    ctx.gate = evaluate_gate(analysis, ctx.risks, opt->today.empty() ? utc_today() : opt->today);
    std::string report = render(*format, *loaded.model, *loaded.tables, analysis, ctx);
    if (opt->output.empty()) {
      std::cout << report << std::flush;
      return;
    }
    std::ofstream out(opt->output, std::ios::binary | std::ios::trunc);
    out << report;
    out.close();
    if (!out) {
      std::cerr << "error: cannot write " << opt->output << "\n";
      imsguard::cli::exit_status() = 1;
      return;
    }
    std::cerr << "wrote " << opt->output << "\n";
  });
}};

}  // namespace
