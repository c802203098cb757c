#include "service/content_token.h"

#include <nlohmann/json.hpp>

#include "common/base64.h"

namespace imsguard::service {
namespace {

std::string b64(const std::string& s) {
  return base64url_encode({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}

TokenCheck fail(int status, std::string message) { return TokenCheck{status, std::move(message), std::nullopt}; }

}  // namespace

std::string content_token_issue(const Es256Key& key, const ContentClaims& c) {
  nlohmann::json header = {{"alg", "ES256"}, {"typ", "imsguard-content"}};
  nlohmann::json claims = {{"exp", c.exp}, {"jti", c.id}, {"sub", c.subscriber}, {"svc", c.service}};
  std::string input = b64(header.dump()) + "." + b64(claims.dump());
  auto sig = key.sign(input);
  if (sig.empty()) return {};
  return input + "." + base64url_encode(sig);
}

TokenCheck content_token_verify(const Es256Key& key, std::string_view token, std::string_view service, int64_t now,
                                const SubscriberActive& active) {
  if (token.empty()) return fail(401, "no content token");
  if (token.size() > 4096) return fail(401, "content token too long");
  size_t dot1 = token.find('.');
  size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return fail(401, "content token is not a compact JWS");
  auto header_bytes = base64url_decode(token.substr(0, dot1));
  auto claim_bytes = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto sig = base64url_decode(token.substr(dot2 + 1));
  if (!header_bytes || !claim_bytes || !sig) return fail(401, "content token is not base64url");
  auto header = nlohmann::json::parse(header_bytes->begin(), header_bytes->end(), nullptr, false);
  auto claims = nlohmann::json::parse(claim_bytes->begin(), claim_bytes->end(), nullptr, false);
  if (!header.is_object() || !claims.is_object()) return fail(401, "content token is not JSON");
  if (header.value("alg", "") != "ES256" || header.value("typ", "") != "imsguard-content")
    return fail(401, "content token alg/typ is not ES256/imsguard-content");
  if (!key.verify(token.substr(0, dot2), *sig)) return fail(401, "content token signature does not verify");
  ContentClaims c;
  try {
    c.subscriber = claims.at("sub").get<std::string>();
    c.service = claims.at("svc").get<std::string>();
    c.exp = claims.at("exp").get<int64_t>();
    c.id = claims.at("jti").get<std::string>();
  } catch (const nlohmann::json::exception&) {
    return fail(401, "content token lacks sub/svc/exp/jti");
  }
  if (c.exp <= now) return fail(401, "content token expired");
  if (c.service != service) return fail(403, "content token is for service '" + c.service + "'");
  if (active && !active(c.subscriber)) return fail(403, "subscriber " + c.subscriber + " is barred or not registered");
  return TokenCheck{0, {}, std::move(c)};
}

}  // namespace imsguard::service
