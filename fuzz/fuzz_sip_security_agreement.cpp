// libFuzzer target for Security-Client / Security-Verify elements (RFC 3329, TS 33.203
// ipsec-3gpp): the edge reads them from unauthenticated REGISTERs and compares them to detect
// bidding down. The input is split at commas like a header value; every view the parser
// returns must lie inside the element it was given.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sip/security_agreement.h"

namespace {

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace imsguard::sip;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  while (true) {
    size_t comma = text.find(',');
    std::string_view element = text.substr(0, comma);
    if (auto m = parse_security_mechanism(element)) {
      if (!inside(m->raw, element) || !inside(m->name, element) || !inside(m->params, element)) std::abort();
      if (m->name.empty()) std::abort();
      for (std::string_view name : {"alg", "ealg", "spi-c", "spi-s", "port-c", "port-s", "prot", "mod", "q", "d-ver"}) {
        if (auto v = m->param(name); v && !inside(*v, element)) std::abort();
      }
      if (auto q = m->preference(); q && (*q < 0 || *q > 1000)) std::abort();
    }
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return 0;
}
