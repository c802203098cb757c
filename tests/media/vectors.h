#pragma once
// The SRTP known answers (tests/data/srtp/vectors.json: RFC 3711 B.2/B.3, RFC 4568), read in place.
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "crypto/hex.h"

namespace imsguard::media::testdata {

inline nlohmann::json srtp_vectors() {
  std::ifstream in(std::string(IMSGUARD_TESTDATA) + "/srtp/vectors.json");
  return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
}

inline std::vector<uint8_t> hex(const nlohmann::json& v) {
  auto bytes = crypto::from_hex(v.get<std::string>());
  return bytes ? *bytes : std::vector<uint8_t>{};
}

}  // namespace imsguard::media::testdata
