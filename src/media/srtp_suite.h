#pragma once
// The SRTP protection profiles this project speaks, in one table, so SDES (RFC 4568 names),
// DTLS-SRTP (RFC 5764 profile names) and the libsrtp policy setup cannot disagree about
// key and salt lengths.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imsguard::media {

enum class SrtpSuite {
  kAesCm128HmacSha1_80,  // RFC 3711 default
  kAesCm128HmacSha1_32,  // RFC 4568 (RTP only: RTCP keeps the 80-bit tag, RFC 5764 4.1.2)
  kAeadAes128Gcm,        // RFC 7714, 16-byte tag
};

struct SuiteInfo {
  SrtpSuite suite;
  std::string_view sdes_name;  // "AES_CM_128_HMAC_SHA1_80"
  std::string_view dtls_name;  // "SRTP_AES128_CM_SHA1_80" (OpenSSL use_srtp profile)
  size_t key_len;
  size_t salt_len;
};

const SuiteInfo& suite_info(SrtpSuite suite);
// Every suite, strongest first (the default order of preference).
const std::vector<SrtpSuite>& all_suites();
std::optional<SrtpSuite> suite_from_sdes_name(std::string_view name);
std::optional<SrtpSuite> suite_from_dtls_name(std::string_view name);
// "AEAD_AES_128_GCM, AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32": for messages that
// list what is accepted, so they cannot fall behind the table.
std::string sdes_names();
inline size_t master_length(SrtpSuite s) { return suite_info(s).key_len + suite_info(s).salt_len; }

}  // namespace imsguard::media
