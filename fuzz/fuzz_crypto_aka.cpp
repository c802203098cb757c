// libFuzzer target for the AKA parameters a client sends back or a server sends: the Digest
// AKA nonce (base64 of RAND || AUTN || server data, RFC 3310 3.2) and the AUTS parameter of a
// resynchronisation (base64 of 14 octets, 3.4). What decodes must encode to a value that
// decodes to the same octets.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "crypto/digest_aka.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace imsguard::crypto;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto nonce = split_aka_nonce(text);
  if (nonce.ok() == !nonce.message().empty()) std::abort();
  if (nonce.ok()) {
    auto again = split_aka_nonce(make_aka_nonce(nonce->rand, nonce->autn, nonce->server_data));
    if (!again.ok() || again->rand != nonce->rand || again->autn != nonce->autn ||
        again->server_data != nonce->server_data)
      std::abort();
  }
  auto auts = decode_auts(text);
  if (auts.ok()) {
    auto again = decode_auts(encode_auts(*auts));
    if (!again.ok() || *again != *auts) std::abort();
  }
  return 0;
}
