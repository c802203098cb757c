#pragma once
// Loads the known-answer files carried in tests/data (see IMSGUARD_TESTDATA).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <fstream>
#include <string>
#include <vector>

#include "crypto/hex.h"

namespace imsguard::crypto::testing {

inline nlohmann::json load_json(const std::string& relative) {
  std::ifstream in(std::string(IMSGUARD_TESTDATA) + "/" + relative);
  if (!in) return nlohmann::json();
  return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
}

inline nlohmann::json milenage_sets() { return load_json("milenage/test_sets_1_4.json"); }
inline nlohmann::json digest_vectors() { return load_json("digest/vectors.json"); }

// Hex to a fixed array; a wrong length leaves zeros, which then fails the comparisons.
template <size_t N>
std::array<uint8_t, N> arr(const std::string& hex) {
  std::array<uint8_t, N> out{};
  auto bytes = from_hex(hex);
  if (bytes && bytes->size() == N) std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

template <size_t N>
std::array<uint8_t, N> jarr(const nlohmann::json& j) {
  return arr<N>(j.is_string() ? j.get<std::string>() : std::string());
}

inline const nlohmann::json* find_vector(const nlohmann::json& doc, const std::string& id) {
  if (!doc.contains("vectors")) return nullptr;
  for (const auto& v : doc["vectors"])
    if (v.value("id", "") == id) return &v;
  return nullptr;
}

}  // namespace imsguard::crypto::testing
