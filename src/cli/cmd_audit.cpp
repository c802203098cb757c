// `imsguard audit [--config FILE | --live URL] [--risks FILE]`: the TVRA residual risk of an
// imsguard configuration (a file, the embedded lab default, or the effective configuration of a
// running edge read from its admin API), findings about the configuration, and what to enable
// next. Exit 1 when the gate fails (a critical residual risk without a valid risk-register
// decision, or an expired decision), so the command can gate a deployment; 2 for bad input;
// 1 when an input cannot be read for a reason other than its path (or the edge fails).
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "config/config.h"
#include "ops/admin_client.h"
#include "tvra/audit.h"
#include "tvra/input_file.h"
#include "tvra/report.h"
#include "tvra/run.h"

namespace {

struct Options {
  std::string config;
  std::string live;
  std::string token_file;
  std::string model;
  std::string risks;
  std::string today;
  std::string format = "text";
  std::string output;
  std::string tables;
};

constexpr const char* kEffectivePath = "/api/v1/config/effective";

// "http://host:port[/...]" -> host, port. IPv6 literal as [::1].
bool parse_url(const std::string& url, std::string& host, uint16_t& port) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return false;
  std::string rest = url.substr(scheme.size());
  rest = rest.substr(0, rest.find('/'));
  size_t colon = rest.rfind(':');
  if (colon == std::string::npos || colon + 1 == rest.size()) return false;
  host = rest.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned long p = 0;
  for (char c : rest.substr(colon + 1)) {
    if (c < '0' || c > '9') return false;
    p = p * 10 + static_cast<unsigned long>(c - '0');
    if (p > 65535) return false;
  }
  port = static_cast<uint16_t>(p);
  return !host.empty() && p > 0;
}

std::string trim_token(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// Fills `source` from --config, --live or the embedded default. The error is printed as is;
// its code gives the exit status (2: a bad option, path or token; 1: the edge or the file
// system failed).
imsguard::Status read_config_source(const Options& o, imsguard::tvra::ConfigSource& source) {
  using imsguard::tvra::read_input_file;
  if (!o.live.empty()) {
    std::string host;
    uint16_t port = 0;
    if (!parse_url(o.live, host, port))
      return imsguard::invalid_argument("error: --live '" + o.live +
                                        "' is not http://HOST:PORT (hint: the admin listener, admin.listen)");
    std::string token;
    if (const char* env = std::getenv("IMSGUARD_ADMIN_TOKEN"); env && *env) token = env;
    if (!o.token_file.empty()) {
      auto read = read_input_file(o.token_file);
      if (!read.ok()) return {read.code(), "error: " + read.message()};
      token = std::move(read).value();
    }
    token = trim_token(token);
    if (token.empty())
      return imsguard::invalid_argument("error: --live needs the admin token (--token-file FILE or IMSGUARD_ADMIN_TOKEN)");
    auto call = imsguard::ops::admin_request(host, port, token, "GET", kEffectivePath);
    if (!call.reached) return imsguard::unavailable_error("error: " + o.live + ": " + call.error);
    if (call.status != 200) {
      // 401/403: the token is wrong (the user's input); anything else: the edge failed.
      imsguard::Code code = call.status == 401 || call.status == 403 ? imsguard::Code::kInvalid
                                                                      : imsguard::Code::kUnavailable;
      return {code, "error: " + o.live + kEffectivePath + " answered " + std::to_string(call.status) + ": " + call.body};
    }
    std::string base = o.live;
    while (!base.empty() && base.back() == '/') base.pop_back();
    source = {o.live, base + kEffectivePath, call.body};
    return {};
  }
  if (o.config.empty()) {
    source = {"<embedded default config: the lab profile>", "config/imsguard.yaml",
              std::string(imsguard::config::default_yaml())};
    return {};
  }
  auto read = read_input_file(o.config);
  if (!read.ok()) {
    imsguard::tvra::Diagnostic d = imsguard::tvra::unreadable(o.config, "file", read.status());
    return {read.code(), o.config + ": error: " + d.message};
  }
  source.text = std::move(read).value();
  source.origin = source.uri = o.config;
  return {};
}

imsguard::cli::CommandRegistration reg{[](CLI::App& app) {
  auto opt = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("audit", "Residual TVRA risk of an imsguard configuration; exit 1 if the gate fails");
  auto* config = cmd->add_option("-c,--config", opt->config, "imsguard configuration file; omitted: the embedded default (lab profile)");
  cmd->add_option("--live", opt->live, "audit a running edge: its admin API, http://HOST:PORT (reads /api/v1/config/effective)")
      ->excludes(config);
  cmd->add_option("--token-file", opt->token_file, "file with the admin token for --live (else IMSGUARD_ADMIN_TOKEN)");
  cmd->add_option("-m,--model", opt->model, "TVRA model YAML; omitted: the embedded IMS model");
  cmd->add_option("--risks", opt->risks, "risk register YAML: decisions that let the gate pass a critical risk until they expire");
  cmd->add_option("--today", opt->today, "the date decisions expire against, YYYY-MM-DD (default: today, UTC)");
  cmd->add_option("-f,--format", opt->format, "text | json | sarif | html")->capture_default_str();
  cmd->add_option("-o,--output", opt->output, "write the report to this file instead of stdout");
  cmd->add_option("--tables", opt->tables, "TVRA tables YAML; omitted: the embedded ts102165-1.yaml");
  cmd->callback([opt] {
    using namespace imsguard::tvra;
    auto& status = imsguard::cli::exit_status();
    auto format = parse_format(opt->format);
    if (!format) {
      std::cerr << "error: unknown --format '" << opt->format << "' (hint: text, json, sarif or html)\n";
      status = 2;
      return;
    }
    if (!opt->today.empty() && !valid_date(opt->today)) {
      std::cerr << "error: --today '" << opt->today << "' is not a date (hint: YYYY-MM-DD)\n";
      status = 2;
      return;
    }
    ConfigSource source;
    if (auto read = read_config_source(*opt, source); !read.ok()) {
      std::cerr << read.message() << "\n";
      status = imsguard::cli::exit_status_for(read.code());
      return;
    }
    auto cfg = imsguard::config::load_string(source.text, source.origin);
    if (!cfg.ok()) {
      for (const auto& e : cfg.errors) std::cerr << source.origin << ": error: " << e.to_string() << "\n";
      std::cerr << cfg.errors.size() << " error(s) in the configuration; nothing computed\n";
      status = 2;
      return;
    }
    Loaded loaded = load({opt->tables, opt->model, opt->risks, IMSGUARD_VERSION});
    if (!loaded.ok()) {
      for (const auto& e : loaded.errors) std::cerr << e.to_string() << "\n";
      std::cerr << loaded.errors.size() << " error(s); nothing computed\n";
      status = imsguard::cli::exit_status_for(loaded.status.code());
      return;
    }
    AuditResult result = audit(*cfg.config, source, *loaded.model, *loaded.tables);
    ReportContext ctx;
    ctx.provenance = loaded.provenance;
    ctx.provenance.add("config", source.origin, source.text);
    ctx.risks = loaded.risks ? &*loaded.risks : nullptr;
    ctx.gate = evaluate_gate(result.analysis, ctx.risks, opt->today.empty() ? utc_today() : opt->today);
    std::string report = render(*format, result.model, *loaded.tables, result.analysis, ctx, &result);
    if (opt->output.empty()) {
      std::cout << report << std::flush;
    } else {
      std::ofstream out(opt->output, std::ios::binary | std::ios::trunc);
      out << report;
      out.close();
      if (!out) {
        std::cerr << "error: cannot write " << opt->output << "\n";
        status = 1;
        return;
      }
      std::cerr << "wrote " << opt->output << "\n";
    }
    if (!ctx.gate.pass) {
      std::cerr << "audit: gate FAILED:";
      for (const auto& id : ctx.gate.blocking) std::cerr << " " << id;
      if (!ctx.gate.expired.empty()) std::cerr << " (expired decisions:";
      for (const auto& id : ctx.gate.expired) std::cerr << " " << id;
      if (!ctx.gate.expired.empty()) std::cerr << ")";
      std::cerr << "\n";
      status = 1;
    }
  });
}};

}  // namespace
