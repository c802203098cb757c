// `imsguard registration list [AOR]` and `imsguard registration remove AOR [CONTACT]`: the
// registrations of a running imsguard, through its admin API (cli/admin_target.h says where
// and with which token). Removing a binding takes effect at once: the phone's flow loses its
// registration, so its requests are refused until it registers again.
#include "cli/admin_target.h"
#include "cli/command.h"

#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

namespace {

struct RegistrationOptions {
  imsguard::cli::AdminTarget target;
  std::string aor;
  std::string contact;
  bool json = false;
};

// One line per binding: AoR, contact, IMPI, transport and source, time left.
void print_bindings(const std::string& body) {
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_discarded() || !parsed.contains("registrations")) {
    std::cout << body;
    return;
  }
  const auto& list = parsed["registrations"];
  for (const auto& b : list)
    std::cout << b.value("aor", "") << "  <" << b.value("contact", "") << ">  impi=" << b.value("impi", "") << "  "
              << b.value("transport", "") << " " << b.value("source", "") << "  expires in "
              << b.value("expires_in_s", int64_t{0}) << " s\n";
  std::cout << list.size() << " registration(s)\n";
}

imsguard::cli::CommandRegistration reg{[](CLI::App& app) {
  auto o = std::make_shared<RegistrationOptions>();
  auto* cmd = app.add_subcommand("registration", "list or remove the registrations of a running imsguard (admin API)");
  cmd->require_subcommand(1);
  cmd->fallthrough();  // --config and the other admin options also after `list` or `remove`
  imsguard::cli::add_admin_target_options(cmd, o->target);

  auto* list = cmd->add_subcommand("list", "live registrations: AoR, contact, IMPI, transport and source, time left");
  list->add_option("aor", o->aor, "only this address of record (sip:alice@ims.example, or alice@ims.example)");
  list->add_flag("--json", o->json, "print the admin API's JSON");
  list->callback([o] {
    std::string path = "/api/v1/registrations";
    if (!o->aor.empty()) path += "?aor=" + imsguard::ops::percent_encode(o->aor);
    auto answer = imsguard::cli::admin_call(o->target, "imsguard registration", "GET", path);
    if (!answer.ok) return;
    if (o->json) std::cout << answer.body;
    else print_bindings(answer.body);
  });

  auto* remove = cmd->add_subcommand(
      "remove", "remove an AoR's bindings (all, or the one of CONTACT); the phone must register again");
  remove->add_option("aor", o->aor, "address of record (sip:alice@ims.example, or alice@ims.example)")->required();
  remove->add_option("contact", o->contact, "only the binding of this Contact URI, as `registration list` shows it");
  remove->callback([o] {
    if (o->aor.empty()) {  // the API would refuse it too; say so before reaching for the edge
      std::cerr << "imsguard registration remove: AOR is empty (sip:alice@ims.example, or alice@ims.example)\n";
      imsguard::cli::exit_status() = 2;
      return;
    }
    std::string path = "/api/v1/registrations?aor=" + imsguard::ops::percent_encode(o->aor);
    if (!o->contact.empty()) path += "&contact=" + imsguard::ops::percent_encode(o->contact);
    auto answer = imsguard::cli::admin_call(o->target, "imsguard registration", "DELETE", path);
    if (!answer.ok) return;
    auto parsed = nlohmann::json::parse(answer.body, nullptr, false);
    size_t n = parsed.is_discarded() ? 0 : parsed.value("removed", size_t{0});
    std::cout << "removed " << n << " binding(s) of " << o->aor << "\n";
  });
}};

}  // namespace
