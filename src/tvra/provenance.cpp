#include "tvra/provenance.h"

#include "crypto/hash.h"

namespace imsguard::tvra {

std::string sha256_hex(std::string_view bytes) { return crypto::hex_digest(crypto::HashAlgorithm::kSha256, bytes); }

void Provenance::add(std::string role, std::string origin, std::string_view bytes) {
  inputs.push_back({std::move(role), std::move(origin), sha256_hex(bytes)});
}

std::vector<std::string> unconfirmed_tables(const Tables& t) {
  std::vector<std::string> out;
  auto check = [&out](const std::string& name, const std::string& status) {
    if (status.find("to confirm") != std::string::npos) out.push_back(name + ": " + status);
  };
  for (const auto& f : t.factors) check("factor " + f.id, f.status);
  check("attack potential and likelihood", t.attack_potential_status);
  check("impact", t.impact_status);
  check("risk classes", t.risk_status);
  return out;
}

}  // namespace imsguard::tvra
