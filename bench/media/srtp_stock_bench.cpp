// Debian's libsrtp2 as shipped (its own NSS primitives), nothing of imsguard linked: the
// peer figure beside bench_media's BM_ProtectSessions, which runs the same packets through
// src/media (libsrtp with the OpenSSL primitives of srtp_openssl.cpp).
//  - BM_StockProtect/suite/sessions: one 172-byte PCMU packet protected, sessions used in
//    turn (1 session, or as many as a loaded service box keeps).
#include <benchmark/benchmark.h>
#include <srtp2/srtp.h>

#include <cstring>
#include <vector>

namespace {

srtp_t make_session(int suite, uint32_t ssrc) {
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
  std::vector<uint8_t> key(suite == 2 ? 28 : 30);
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i * 13 + ssrc);
  p.key = key.data();
  p.ssrc.type = ssrc_any_outbound;
  p.window_size = 128;
  srtp_t s = nullptr;
  srtp_create(&s, &p);
  return s;
}

void BM_StockProtect(benchmark::State& state) {
  static bool initialised = srtp_init() == srtp_err_status_ok;
  if (!initialised) {
    state.SkipWithError("srtp_init");
    return;
  }
  const int suite = static_cast<int>(state.range(0));
  const size_t n = static_cast<size_t>(state.range(1));
  std::vector<srtp_t> sessions;
  for (size_t i = 0; i < n; ++i) sessions.push_back(make_session(suite, static_cast<uint32_t>(i)));
  std::vector<uint8_t> buf(172 + SRTP_MAX_TRAILER_LEN);
  std::vector<uint16_t> seq(n, 0);
  size_t i = 0;
  for (auto _ : state) {
    std::memset(buf.data(), 0xff, 172);
    buf[0] = 0x80;
    buf[1] = 0;
    buf[2] = static_cast<uint8_t>(seq[i] >> 8);
    buf[3] = static_cast<uint8_t>(seq[i]);
    ++seq[i];
    std::memcpy(buf.data() + 8, &i, 4);  // the SSRC
    int len = 172;
    if (srtp_protect(sessions[i], buf.data(), &len) != srtp_err_status_ok) state.SkipWithError("protect failed");
    benchmark::DoNotOptimize(len);
    if (++i == n) i = 0;
  }
  for (auto s : sessions) srtp_dealloc(s);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StockProtect)->ArgsProduct({{0, 1, 2}, {1, 2000}});

}  // namespace

BENCHMARK_MAIN();
