#include "media/sdes.h"

#include <openssl/rand.h>

#include "common/base64.h"

namespace imsguard::media {

std::optional<SdesKey> generate_sdes_key(SrtpSuite suite, uint32_t tag) {
  SdesKey k;
  k.suite = suite;
  k.tag = tag;
  k.key_salt.resize(master_length(suite));
  if (RAND_bytes(k.key_salt.data(), static_cast<int>(k.key_salt.size())) != 1) return std::nullopt;
  return k;
}

sip::SdpCrypto to_sdp_crypto(const SdesKey& key) {
  sip::SdpCrypto c;
  c.tag = key.tag;
  c.suite = std::string(suite_info(key.suite).sdes_name);
  sip::SdpCryptoKey k;
  k.method = "inline";
  k.key_salt = base64_encode(key.key_salt);
  c.keys.push_back(std::move(k));
  return c;
}

StatusOr<SdesKey> parse_sdes(const sip::SdpCrypto& c) {
  auto suite = suite_from_sdes_name(c.suite);
  if (!suite) {
    return invalid_argument("crypto suite " + c.suite + " is not supported");
  }
  if (c.keys.size() != 1) {
    return invalid_argument("a=crypto with " + std::to_string(c.keys.size()) +
                            " keys: only one key per direction is supported");
  }
  if (!c.session_params.empty()) {
    return invalid_argument("a=crypto session parameter " + c.session_params.front() + " is not supported");
  }
  const auto& k = c.keys.front();
  if (k.method != "inline") {
    return invalid_argument("a=crypto key method " + k.method + " is not supported (inline only)");
  }
  if (k.mki_value || k.mki_length) {
    return invalid_argument("a=crypto with an MKI is not supported (one key per direction, no re-keying)");
  }
  if (k.lifetime) {
    auto packets = k.lifetime_packets();
    if (!packets || *packets < kMinSdesLifetime) {
      return invalid_argument("a=crypto key lifetime " + *k.lifetime + " is below 2^20 packets (no re-keying here)");
    }
  }
  auto bytes = k.decode_key_salt();
  if (!bytes) {
    return invalid_argument("a=crypto inline key is not valid base64");
  }
  if (bytes->size() != master_length(*suite)) {
    return invalid_argument("a=crypto inline key is " + std::to_string(bytes->size()) + " bytes; " + c.suite +
                            " needs " + std::to_string(master_length(*suite)));
  }
  return SdesKey{*suite, c.tag, std::move(*bytes)};
}

}  // namespace imsguard::media
