// libFuzzer target for the PASSporT (RFC 8225) check of the service box: the Identity header
// value, its three base64url parts, the JSON header and claims, the ES256 signature. The
// first byte picks the mode: even, the rest is an Identity value as received; odd, the rest
// is "<header JSON>\0<claims JSON>" that the target signs with its own key, so the claims
// parser behind the signature check is reached too. A verified token names a non-empty
// caller and origid and an iat within the window.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <span>
#include <string_view>
#include <vector>

#include "common/base64.h"
#include "service/es256.h"
#include "service/passport.h"

namespace {

constexpr int64_t kNow = 1'700'000'000;
constexpr int64_t kMaxAge = 60;

std::string b64url(std::string_view s) {
  return imsguard::base64url_encode(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace imsguard::service;
  static const Es256Key key = Es256Key::generate();
  if (size == 0) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string value;
  if (data[0] & 1) {
    size_t zero = rest.find('\0');
    std::string_view header = rest.substr(0, zero);
    std::string_view claims = zero == std::string_view::npos ? std::string_view() : rest.substr(zero + 1);
    std::string signing_input = b64url(header) + "." + b64url(claims);
    std::vector<uint8_t> sig = key.sign(signing_input);
    if (sig.size() != 64) std::abort();
    value = signing_input + "." + imsguard::base64url_encode(sig) + ";info=<https://x/c.pem>;alg=ES256;ppt=ims";
  } else {
    value.assign(rest);
  }
  PassportCheck check = passport_verify(key, value, kNow, kMaxAge);
  if (check.claims.has_value() == !check.error.empty()) std::abort();  // exactly one of the two
  if (check.claims) {
    const PassportClaims& c = *check.claims;
    if (c.orig.empty() || c.origid.empty() || c.iat < kNow - kMaxAge || c.iat > kNow + 5) std::abort();
  }
  // The raw signature check on its own: anything but 64 bytes is refused.
  std::vector<uint8_t> raw(data, data + size);
  if (key.verify(rest, raw) && raw.size() != 64) std::abort();
  return 0;
}
