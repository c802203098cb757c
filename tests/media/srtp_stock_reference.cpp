// The reference for the differential test of src/media/srtp_openssl: a process that links
// only Debian's libsrtp2 with its own (NSS) primitives. stdin: "<suite 0|1|2> <master key+salt
// hex>", then one packet per line, "r <hex>" (RTP) or "c <hex>" (RTCP); stdout: each packet
// protected, in hex, one per line ("error <status>" when libsrtp refuses).
#include <srtp2/srtp.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

namespace {

std::vector<uint8_t> from_hex(const std::string& h) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return out;
}

std::string to_hex(const uint8_t* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += d[p[i] >> 4];
    s += d[p[i] & 15];
  }
  return s;
}

}  // namespace

int main() {
  if (srtp_init() != srtp_err_status_ok) return 1;
  int suite = -1;
  std::string key_hex;
  if (!(std::cin >> suite >> key_hex)) return 2;
  std::vector<uint8_t> key = from_hex(key_hex);
  srtp_policy_t p;
  std::memset(&p, 0, sizeof p);
  if (suite == 0) {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
  } else if (suite == 1) {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
  } else {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtcp);
  }
  p.key = key.data();
  p.ssrc.type = ssrc_any_outbound;
  p.window_size = 128;
  srtp_t session = nullptr;
  if (srtp_create(&session, &p) != srtp_err_status_ok) return 3;
  std::string kind, hex;
  while (std::cin >> kind >> hex) {
    std::vector<uint8_t> packet = from_hex(hex);
    int len = static_cast<int>(packet.size());
    packet.resize(packet.size() + SRTP_MAX_TRAILER_LEN);
    srtp_err_status_t s = kind == "r" ? srtp_protect(session, packet.data(), &len) : srtp_protect_rtcp(session, packet.data(), &len);
    if (s != srtp_err_status_ok) std::cout << "error " << s << "\n";
    else std::cout << to_hex(packet.data(), static_cast<size_t>(len)) << "\n";
  }
  srtp_dealloc(session);
  return 0;
}
