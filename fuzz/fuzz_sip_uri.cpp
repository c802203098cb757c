// libFuzzer target for the SIP/SIPS/tel URI parser: no crash, no read outside the input,
// and every part it returns is a view into the input (the zero-copy contract).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sip/uri.h"

namespace {
void check_inside(std::string_view part, std::string_view whole) {
  if (part.empty()) return;
  if (part.data() < whole.data() || part.data() + part.size() > whole.data() + whole.size()) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace imsguard::sip;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  UriResult r = parse_uri_checked(text);
  if (!r.uri) {
    if (r.error.empty()) std::abort();  // a refusal always says why
    return 0;
  }
  const Uri& u = *r.uri;
  for (std::string_view part : {u.raw, u.scheme, u.user, u.password, u.host, u.params, u.headers, u.opaque}) {
    check_inside(part, text);
  }
  std::string user = u.user_unescaped();
  if (user.size() > u.user.size()) std::abort();  // unescaping never grows
  (void)u.param("transport");
  (void)u.param("lr");
  (void)unescape(u.headers);
  (void)is_ipv4(u.host);
  (void)is_ipv6(u.host);
  return 0;
}
