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

SdesParseResult parse_sdes(const sip::SdpCrypto& c) {
  SdesParseResult r;
  auto suite = suite_from_sdes_name(c.suite);
  if (!suite) {
    r.error = "crypto suite " + c.suite + " is not supported";
    return r;
  }
  if (c.keys.size() != 1) {
    r.error = "a=crypto with " + std::to_string(c.keys.size()) + " keys: only one key per direction is supported";
    return r;
  }
  if (!c.session_params.empty()) {
    r.error = "a=crypto session parameter " + c.session_params.front() + " is not supported";
    return r;
  }
  const auto& k = c.keys.front();
  if (k.method != "inline") {
    r.error = "a=crypto key method " + k.method + " is not supported (inline only)";
    return r;
  }
  if (k.mki_value || k.mki_length) {
    r.error = "a=crypto with an MKI is not supported (one key per direction, no re-keying)";
    return r;
  }
  if (k.lifetime) {
    auto packets = k.lifetime_packets();
    if (!packets || *packets < kMinSdesLifetime) {
      r.error = "a=crypto key lifetime " + *k.lifetime + " is below 2^20 packets (no re-keying here)";
      return r;
    }
  }
  auto bytes = k.decode_key_salt();
  if (!bytes) {
    r.error = "a=crypto inline key is not valid base64";
    return r;
  }
  if (bytes->size() != master_length(*suite)) {
    r.error = "a=crypto inline key is " + std::to_string(bytes->size()) + " bytes; " + c.suite + " needs " +
              std::to_string(master_length(*suite));
    return r;
  }
  r.key = SdesKey{*suite, c.tag, std::move(*bytes)};
  return r;
}

}  // namespace imsguard::media
