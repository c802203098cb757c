#include "media/srtp_suite.h"

namespace imsguard::media {
namespace {

const SuiteInfo kSuites[] = {
    {SrtpSuite::kAeadAes128Gcm, "AEAD_AES_128_GCM", "SRTP_AEAD_AES_128_GCM", 16, 12},
    {SrtpSuite::kAesCm128HmacSha1_80, "AES_CM_128_HMAC_SHA1_80", "SRTP_AES128_CM_SHA1_80", 16, 14},
    {SrtpSuite::kAesCm128HmacSha1_32, "AES_CM_128_HMAC_SHA1_32", "SRTP_AES128_CM_SHA1_32", 16, 14},
};

}  // namespace

const SuiteInfo& suite_info(SrtpSuite suite) {
  for (const auto& s : kSuites)
    if (s.suite == suite) return s;
  return kSuites[1];
}

const std::vector<SrtpSuite>& all_suites() {
  static const std::vector<SrtpSuite> suites = {SrtpSuite::kAeadAes128Gcm, SrtpSuite::kAesCm128HmacSha1_80,
                                                SrtpSuite::kAesCm128HmacSha1_32};
  return suites;
}

std::optional<SrtpSuite> suite_from_sdes_name(std::string_view name) {
  for (const auto& s : kSuites)
    if (s.sdes_name == name) return s.suite;
  return std::nullopt;
}

std::optional<SrtpSuite> suite_from_dtls_name(std::string_view name) {
  for (const auto& s : kSuites)
    if (s.dtls_name == name) return s.suite;
  return std::nullopt;
}

std::string sdes_names() {
  std::string out;
  for (SrtpSuite s : all_suites()) {
    if (!out.empty()) out += ", ";
    out += suite_info(s).sdes_name;
  }
  return out;
}

}  // namespace imsguard::media
