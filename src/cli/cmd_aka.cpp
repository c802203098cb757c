// `imsguard aka vector|auts`: Milenage/AKA values for operators checking a SIM profile or a
// peer's implementation against known answers, and AUTS for resync tests.
#include "cli/command.h"
#include "crypto/aka.h"
#include "crypto/hex.h"
#include "crypto/milenage.h"

#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

namespace {

using namespace imsguard::crypto;

struct AkaArgs {
  std::string k, op, opc, rand, sqn, amf, sqn_ms;
};

// Decodes one option into N bytes; on failure prints which option and what it needs.
template <size_t N>
std::optional<std::array<uint8_t, N>> decode_option(const std::string& cmd, const std::string& option,
                                                    const std::string& text) {
  auto bytes = from_hex(text);
  if (!bytes || bytes->size() != N) {
    std::cerr << "imsguard aka " << cmd << ": " << option << " must be " << N << " bytes (" << 2 * N
              << " hex digits), got '" << text << "'\n";
    imsguard::cli::exit_status() = 2;
    return std::nullopt;
  }
  std::array<uint8_t, N> out{};
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

// K plus OP or OPc into a Milenage instance; nullopt after printing an error.
std::optional<Milenage> milenage_from(const std::string& cmd, const AkaArgs& a) {
  if (a.op.empty() == a.opc.empty()) {
    std::cerr << "imsguard aka " << cmd << ": give exactly one of --op or --opc (16 bytes, 32 hex digits)\n";
    imsguard::cli::exit_status() = 2;
    return std::nullopt;
  }
  auto k = decode_option<16>(cmd, "--k", a.k);
  if (!k) return std::nullopt;
  auto o = decode_option<16>(cmd, a.op.empty() ? "--opc" : "--op", a.op.empty() ? a.opc : a.op);
  if (!o) return std::nullopt;
  auto m = a.op.empty() ? Milenage::from_opc(*k, *o) : Milenage::from_op(*k, *o);
  if (!m) {
    std::cerr << "imsguard aka " << cmd << ": OpenSSL AES initialisation failed\n";
    imsguard::cli::exit_status() = 1;
  }
  return m;
}

void add_key_options(CLI::App* sub, AkaArgs& a) {
  sub->add_option("--k", a.k, "subscriber key K (32 hex digits)")->required();
  sub->add_option("--op", a.op, "operator variant OP (32 hex digits)");
  sub->add_option("--opc", a.opc, "OPc (32 hex digits), instead of --op");
  sub->add_option("--rand", a.rand, "RAND (32 hex digits)")->required();
}

void run_vector(const AkaArgs& a) {
  auto m = milenage_from("vector", a);
  if (!m) return;
  auto rand = decode_option<16>("vector", "--rand", a.rand);
  if (!rand) return;
  auto sqn = decode_option<6>("vector", "--sqn", a.sqn);
  if (!sqn) return;
  auto amf = decode_option<2>("vector", "--amf", a.amf);
  if (!amf) return;
  auto v = make_vector(*m, *rand, sqn_from_bytes(*sqn), *amf);
  auto mac_s = m->f1star(*rand, *sqn, *amf);
  auto f = m->f2345(*rand);
  auto ak_star = m->f5star(*rand);
  if (!v.ok() || !mac_s || !f || !ak_star) {
    std::cerr << "imsguard aka vector: " << (v.ok() ? "Milenage failed" : v.message()) << "\n";
    imsguard::cli::exit_status() = 1;
    return;
  }
  std::cout << "opc=" << to_hex(m->opc()) << "\n"
            << "mac_a=" << to_hex(std::span<const uint8_t>(v->autn.data() + 8, 8)) << "\n"
            << "mac_s=" << to_hex(*mac_s) << "\n"
            << "res=" << to_hex(v->xres) << "\n"
            << "ck=" << to_hex(v->ck) << "\n"
            << "ik=" << to_hex(v->ik) << "\n"
            << "ak=" << to_hex(f->ak) << "\n"
            << "ak_star=" << to_hex(*ak_star) << "\n"
            << "autn=" << to_hex(v->autn) << "\n";
}

void run_auts(const AkaArgs& a) {
  auto m = milenage_from("auts", a);
  if (!m) return;
  auto rand = decode_option<16>("auts", "--rand", a.rand);
  if (!rand) return;
  auto sqn_ms = decode_option<6>("auts", "--sqn-ms", a.sqn_ms);
  if (!sqn_ms) return;
  auto auts = make_auts(*m, *rand, sqn_from_bytes(*sqn_ms));
  if (!auts.ok()) {
    std::cerr << "imsguard aka auts: " << auts.message() << "\n";
    imsguard::cli::exit_status() = 1;
    return;
  }
  std::cout << "auts=" << to_hex(*auts) << "\n";
}

imsguard::cli::CommandRegistration reg{[](CLI::App& app) {
  auto* aka = app.add_subcommand("aka", "Milenage / AKA values (TS 35.206, TS 33.102) for testing");
  aka->require_subcommand(1);
  auto args = std::make_shared<AkaArgs>();

  auto* vector = aka->add_subcommand("vector", "Print opc, mac_a, mac_s, res, ck, ik, ak, ak_star, autn");
  add_key_options(vector, *args);
  vector->add_option("--sqn", args->sqn, "SQN (12 hex digits)")->required();
  vector->add_option("--amf", args->amf, "AMF (4 hex digits)")->required();
  vector->callback([args] { run_vector(*args); });

  auto* auts = aka->add_subcommand("auts", "Print the AUTS a USIM sends for SQN_MS (MAC-S with AMF 0000)");
  add_key_options(auts, *args);
  auts->add_option("--sqn-ms", args->sqn_ms, "SQN_MS, the USIM's highest accepted SQN (12 hex digits)")->required();
  auts->callback([args] { run_auts(*args); });
}};

}  // namespace
