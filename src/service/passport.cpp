#include "service/passport.h"

#include <openssl/rand.h>

#include <nlohmann/json.hpp>

#include <cstdio>

#include "common/base64.h"

namespace imsguard::service {
namespace {

std::string b64(std::string_view s) {
  return base64url_encode({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}

std::optional<std::string> unb64(std::string_view s) {
  auto bytes = base64url_decode(s);
  if (!bytes) return std::nullopt;
  return std::string(bytes->begin(), bytes->end());
}

PassportCheck fail(std::string message) { return PassportCheck{std::nullopt, std::move(message)}; }

}  // namespace

std::string passport_sign(const Es256Key& key, const PassportClaims& c, std::string_view x5u) {
  // nlohmann::json objects are std::map backed: keys come out sorted, no whitespace.
  nlohmann::json header = {{"alg", "ES256"}, {"ppt", "ims"}, {"typ", "passport"}, {"x5u", std::string(x5u)}};
  nlohmann::json claims = {{"dest", {{"uri", nlohmann::json::array({c.dest})}}},
                           {"iat", c.iat},
                           {"orig", {{"uri", c.orig}}},
                           {"origid", c.origid},
                           {"svc", c.service}};
  if (!c.signalling_address.empty()) claims["sigaddr"] = c.signalling_address;
  std::string signing_input = b64(header.dump()) + "." + b64(claims.dump());
  auto sig = key.sign(signing_input);
  if (sig.empty()) return {};
  return signing_input + "." + base64url_encode(sig);
}

std::string identity_header(std::string_view jws, std::string_view x5u) {
  return std::string(jws) + ";info=<" + std::string(x5u) + ">;alg=ES256;ppt=ims";
}

PassportCheck passport_verify(const Es256Key& key, std::string_view value, int64_t now, int64_t max_age_s,
                              int64_t max_skew_s) {
  std::string_view jws = value.substr(0, value.find(';'));
  while (!jws.empty() && (jws.front() == ' ' || jws.front() == '\t')) jws.remove_prefix(1);
  while (!jws.empty() && (jws.back() == ' ' || jws.back() == '\t')) jws.remove_suffix(1);
  size_t dot1 = jws.find('.');
  size_t dot2 = dot1 == std::string_view::npos ? dot1 : jws.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || jws.find('.', dot2 + 1) != std::string_view::npos)
    return fail("Identity is not a compact JWS (three base64url parts)");
  auto header_json = unb64(jws.substr(0, dot1));
  auto claims_json = unb64(jws.substr(dot1 + 1, dot2 - dot1 - 1));
  auto sig = base64url_decode(jws.substr(dot2 + 1));
  if (!header_json || !claims_json || !sig) return fail("Identity has a part that is not base64url");

  nlohmann::json header = nlohmann::json::parse(*header_json, nullptr, false);
  nlohmann::json claims = nlohmann::json::parse(*claims_json, nullptr, false);
  if (!header.is_object() || !claims.is_object()) return fail("PASSporT header or claims are not JSON objects");
  // Algorithm pinned: never let the token choose (no "none", no HS256 with the public key).
  if (header.value("alg", "") != "ES256") return fail("PASSporT alg is not ES256");
  if (header.value("typ", "") != "passport" || header.value("ppt", "") != "ims")
    return fail("PASSporT typ/ppt is not passport/ims");
  if (!key.verify(jws.substr(0, dot2), *sig)) return fail("PASSporT signature does not verify");

  PassportClaims out;
  try {
    out.orig = claims.at("orig").at("uri").get<std::string>();
    out.dest = claims.at("dest").at("uri").at(0).get<std::string>();
    out.iat = claims.at("iat").get<int64_t>();
    out.origid = claims.at("origid").get<std::string>();
    out.service = claims.at("svc").get<std::string>();
    if (claims.contains("sigaddr")) out.signalling_address = claims.at("sigaddr").get<std::string>();
  } catch (const nlohmann::json::exception&) {
    return fail("PASSporT claims lack orig/dest/iat/origid/svc");
  }
  if (out.origid.empty() || out.orig.empty()) return fail("PASSporT has an empty orig or origid");
  if (out.iat < now - max_age_s) return fail("PASSporT is stale (iat too old)");
  if (out.iat > now + max_skew_s) return fail("PASSporT iat is in the future");
  return PassportCheck{std::move(out), {}};
}

std::string new_origid() {
  uint8_t r[16];
  if (RAND_bytes(r, sizeof r) != 1) return {};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1],
                r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
  return buf;
}

}  // namespace imsguard::service
