// `imsguard pki init|issue`: a private CA and certificates for TLS (I-C) and mutual TLS (I-S).
#include "cli/command.h"
#include "net/pki.h"

#include <iostream>

namespace {

imsguard::cli::CommandRegistration reg{[](CLI::App& app) {
  auto* pki = app.add_subcommand("pki", "Create a private CA and issue TLS certificates");
  pki->require_subcommand(1);

  auto dir = std::make_shared<std::string>("./imsguard-data/pki");
  auto* init = pki->add_subcommand("init", "Create ca.crt and ca.key in DIR (kept if they exist)");
  init->add_option("--dir", *dir, "PKI directory")->capture_default_str();
  init->callback([dir] {
    auto r = imsguard::net::pki_init(*dir);
    if (!r.ok()) {
      std::cerr << "imsguard pki init: " << r.message() << "\n";
      imsguard::cli::exit_status() = imsguard::cli::exit_status_for(r.code());
      return;
    }
    std::cout << "CA ready: " << *dir << "/ca.crt\n";
  });

  auto name = std::make_shared<std::string>();
  auto sans = std::make_shared<std::vector<std::string>>();
  auto client = std::make_shared<bool>(false);
  auto* issue = pki->add_subcommand("issue", "Issue DIR/NAME.crt and DIR/NAME.key signed by the CA");
  issue->add_option("--dir", *dir, "PKI directory")->capture_default_str();
  issue->add_option("--name", *name, "certificate and file name (e.g. edge, core, servicebox, alice)")->required();
  issue->add_option("--san", *sans, "subject alternative name: DNS name or IP address (repeatable)");
  issue->add_flag("--client", *client, "a client certificate (clientAuth only)");
  issue->callback([dir, name, sans, client] {
    auto r = imsguard::net::pki_issue(*dir, *name, *sans, *client);
    if (!r.ok()) {
      std::cerr << "imsguard pki issue: " << r.message() << "\n";
      imsguard::cli::exit_status() = imsguard::cli::exit_status_for(r.code());
      return;
    }
    std::cout << "issued " << *dir << "/" << *name << ".crt\n";
  });
}};

}  // namespace
