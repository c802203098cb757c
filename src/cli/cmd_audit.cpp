// `imsguard audit --config FILE [--model MODEL]`: the TVRA residual risk of a real imsguard
// configuration, and what to enable next. Exit status 1 when a critical risk remains, so the
// command can gate a deployment; 2 for a bad config or model; 0 otherwise.
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "config/config.h"
#include "tvra/audit.h"
#include "tvra/report.h"
#include "tvra/run.h"

namespace {

struct Options {
  std::string config;
  std::string model;
  std::string format = "text";
  std::string output;
  std::string tables;
};

imsguard::cli::CommandRegistration reg{[](CLI::App& app) {
  auto opt = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("audit", "Residual TVRA risk of an imsguard configuration; exit 1 if a critical risk remains");
  cmd->add_option("-c,--config", opt->config, "imsguard configuration file; omitted: the embedded default");
  cmd->add_option("-m,--model", opt->model, "TVRA model YAML; omitted: the embedded IMS model");
  cmd->add_option("-f,--format", opt->format, "text | json | sarif | html")->capture_default_str();
  cmd->add_option("-o,--output", opt->output, "write the report to this file instead of stdout");
  cmd->add_option("--tables", opt->tables, "TVRA tables YAML; omitted: the embedded ts102165-1.yaml");
  cmd->callback([opt] {
    using namespace imsguard::tvra;
    auto format = parse_format(opt->format);
    if (!format) {
      std::cerr << "error: unknown --format '" << opt->format << "' (hint: text, json, sarif or html)\n";
      imsguard::cli::exit_status() = 2;
      return;
    }
    std::string origin = opt->config.empty() ? "<embedded default config>" : opt->config;
    auto cfg = opt->config.empty() ? imsguard::config::load_default() : imsguard::config::load_file(opt->config);
    if (!cfg.ok()) {
      for (const auto& e : cfg.errors) std::cerr << origin << ": error: " << e.to_string() << "\n";
      std::cerr << cfg.errors.size() << " error(s) in the configuration; nothing computed\n";
      imsguard::cli::exit_status() = 2;
      return;
    }
    Loaded loaded = load(opt->tables, opt->model);
    if (!loaded.ok()) {
      for (const auto& e : loaded.errors) std::cerr << e.to_string() << "\n";
      std::cerr << loaded.errors.size() << " error(s); nothing computed\n";
      imsguard::cli::exit_status() = 2;
      return;
    }
    AuditResult result = audit(*cfg.config, *loaded.model, *loaded.tables);
    std::string report;
    if (*format == Format::kText) report = render_audit_text(result, *loaded.model, *loaded.tables, origin);
    else if (*format == Format::kJson) report = render_audit_json(result, *loaded.model, *loaded.tables, origin);
    else if (*format == Format::kHtml)
      report = render_html(*loaded.model, *loaded.tables, result.analysis, "countermeasures as enabled by " + origin);
    else report = render(*format, *loaded.model, *loaded.tables, result.analysis);
    if (opt->output.empty()) {
      std::cout << report << std::flush;
    } else {
      std::ofstream out(opt->output, std::ios::binary | std::ios::trunc);
      out << report;
      out.close();
      if (!out) {
        std::cerr << "error: cannot write " << opt->output << "\n";
        imsguard::cli::exit_status() = 1;
        return;
      }
      std::cerr << "wrote " << opt->output << "\n";
    }
    if (result.critical_remains) {
      std::cerr << "audit: critical risk remains\n";
      imsguard::cli::exit_status() = 1;
    }
  });
}};

}  // namespace
