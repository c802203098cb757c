#include "crypto/digest.h"

#include <array>
#include <cctype>

#include "crypto/ct.h"

namespace imsguard::crypto {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

size_t hex_length(HashAlgorithm h) { return h == HashAlgorithm::kMd5 ? 32 : 64; }

bool is_hex(std::string_view s) {
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace

std::string digest_algorithm_name(const DigestAlgorithm& alg) {
  if (alg.aka == DigestAka::kAkav1) return "AKAv1-MD5";
  if (alg.aka == DigestAka::kAkav2) return "AKAv2-MD5";
  std::string name(hash_algorithm_name(alg.hash));
  if (alg.session) name += "-sess";
  return name;
}

std::optional<DigestAlgorithm> parse_digest_algorithm(std::string_view token) {
  if (token.empty()) return kDigestMd5;
  if (iequals(token, "AKAv1-MD5")) return kDigestAkav1Md5;
  if (iequals(token, "AKAv2-MD5")) return kDigestAkav2Md5;
  DigestAlgorithm alg;
  constexpr std::string_view kSess = "-sess";
  if (token.size() > kSess.size() && iequals(token.substr(token.size() - kSess.size()), kSess)) {
    alg.session = true;
    token.remove_suffix(kSess.size());
  }
  auto hash = parse_hash_algorithm(token);
  if (!hash) return std::nullopt;
  alg.hash = *hash;
  return alg;
}

Result<std::string> digest_response(const DigestInput& in) {
  using R = Result<std::string>;
  const HashAlgorithm h = in.algorithm.hash;
  if (in.ha1.size() != hex_length(h) || !is_hex(in.ha1))
    return imsguard::invalid_argument("HA1 must be " + std::to_string(hex_length(h)) + " hex digits for " +
                      std::string(hash_algorithm_name(h)));
  const bool auth_int = in.qop == "auth-int";
  if (!in.qop.empty() && in.qop != "auth" && !auth_int)
    return imsguard::invalid_argument("unsupported qop '" + std::string(in.qop) + "' (auth or auth-int)");
  if (!in.qop.empty()) {
    if (in.nc.size() != 8 || !is_hex(in.nc)) return imsguard::invalid_argument("nc must be 8 hex digits");
    if (in.cnonce.empty()) return imsguard::invalid_argument("cnonce is required with qop");
  }
  if (in.algorithm.session && in.cnonce.empty()) return imsguard::invalid_argument("cnonce is required with a -sess algorithm");

  std::string ha1;
  ha1.reserve(64);
  for (char c : in.ha1) ha1.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  std::string buf;
  buf.reserve(256 + in.uri.size() + in.nonce.size() + in.cnonce.size());
  if (in.algorithm.session) {
    buf.append(ha1).append(":").append(in.nonce).append(":").append(in.cnonce);
    ha1 = hex_digest(h, buf);
  }
  buf.assign(in.method).append(":").append(in.uri);
  if (auth_int) buf.append(":").append(hex_digest(h, in.body));
  std::string ha2 = hex_digest(h, buf);

  buf.assign(ha1).append(":").append(in.nonce).append(":");
  if (!in.qop.empty()) buf.append(in.nc).append(":").append(in.cnonce).append(":").append(in.qop).append(":");
  buf.append(ha2);
  return R(hex_digest(h, buf));
}

bool digest_verify(const DigestInput& in, std::string_view client_response) {
  auto expected = digest_response(in);
  if (!expected.ok() || client_response.size() != expected->size()) return false;
  std::array<char, 64> lowered{};
  for (size_t i = 0; i < client_response.size(); ++i)
    lowered[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(client_response[i])));
  return constant_time_equal(std::string_view(lowered.data(), client_response.size()), *expected);
}

}  // namespace imsguard::crypto
