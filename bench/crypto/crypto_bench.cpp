// Micro benchmarks of the authentication paths (results in docs/benchmarks.md, "Crypto").
#include <benchmark/benchmark.h>

#include <string>

#include "crypto/aka.h"
#include "crypto/digest.h"
#include "crypto/digest_aka.h"
#include "crypto/digest_header.h"
#include "crypto/hash.h"
#include "crypto/milenage.h"
#include "crypto/nc_tracker.h"
#include "crypto/nonce.h"

namespace {

using namespace imsguard::crypto;

const Key kK{0x46, 0x5b, 0x5c, 0xe8, 0xb1, 0x99, 0xb4, 0x9f, 0xaa, 0x5f, 0x0a, 0x2e, 0xe2, 0x38, 0xa6, 0xbc};
const Key kOpc{0xcd, 0x63, 0xcb, 0x71, 0x95, 0x4a, 0x9f, 0x4e, 0x48, 0xa5, 0x99, 0x4e, 0x37, 0xa0, 0x2b, 0xaf};

// What the registrar does per AKA challenge: key set-up, RAND, vector, nonce text.
void BM_AkaVectorGeneration(benchmark::State& state) {
  uint64_t sqn = make_sqn(1, 0);
  for (auto _ : state) {
    auto m = Milenage::from_opc(kK, kOpc);
    auto rand = random_rand();
    auto v = make_vector(*m, *rand, sqn, Amf{0x00, 0x00});
    std::string nonce = make_aka_nonce(v.value->rand, v.value->autn);
    benchmark::DoNotOptimize(nonce);
    sqn = next_sqn(sqn);
  }
}
BENCHMARK(BM_AkaVectorGeneration);

// The USIM side (tests and the client tool): MAC check, SQN window, RES/CK/IK.
void BM_AkaClientAuthenticate(benchmark::State& state) {
  auto m = Milenage::from_opc(kK, kOpc);
  Rand rand{};
  uint64_t sqn = make_sqn(1, 0);
  SqnWindow window;
  for (auto _ : state) {
    state.PauseTiming();
    auto v = make_vector(*m, rand, sqn, Amf{0x00, 0x00});
    sqn = next_sqn(sqn);
    state.ResumeTiming();
    auto r = client_authenticate(*m, rand, v.value->autn, window);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_AkaClientAuthenticate);

void digest_verify_bench(benchmark::State& state, DigestAlgorithm alg) {
  std::string ha1 = digest_ha1(alg.hash, "alice@example.com", "example.com", "correct horse");
  DigestInput in{alg, ha1, "REGISTER", "sip:example.com", "0123456789012345678901234567890123456789abc",
                 "00000001", "f2/wE4q74E6zIJEtWaHKaf5wv", "auth", ""};
  std::string response = *digest_response(in).value;
  for (auto _ : state) benchmark::DoNotOptimize(digest_verify(in, response));
}
void BM_DigestVerifyMd5(benchmark::State& state) { digest_verify_bench(state, kDigestMd5); }
void BM_DigestVerifySha256(benchmark::State& state) { digest_verify_bench(state, kDigestSha256); }
BENCHMARK(BM_DigestVerifyMd5);
BENCHMARK(BM_DigestVerifySha256);

void BM_ParseAuthorization(benchmark::State& state) {
  const std::string header =
      R"(Digest username="alice@example.com", realm="example.com", nonce="0123456789012345678901234567890123456789abc", )"
      R"(uri="sip:example.com", response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", )"
      R"(algorithm=SHA-256, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv", qop=auth, nc=00000001)";
  for (auto _ : state) benchmark::DoNotOptimize(parse_digest_credentials(header));
}
BENCHMARK(BM_ParseAuthorization);

void BM_NonceMake(benchmark::State& state) {
  auto a = NonceAuthority::create();
  for (auto _ : state) benchmark::DoNotOptimize(a->make("example.com", "127.0.0.1"));
}
BENCHMARK(BM_NonceMake);

void BM_NonceVerify(benchmark::State& state) {
  auto a = NonceAuthority::create();
  std::string nonce = a->make("example.com", "127.0.0.1");
  for (auto _ : state) benchmark::DoNotOptimize(a->verify(nonce, "example.com", "127.0.0.1"));
}
BENCHMARK(BM_NonceVerify);

// A flood of REGISTERs with made-up nonces: what each costs to refuse.
void BM_NonceVerifyForged(benchmark::State& state) {
  auto a = NonceAuthority::create();
  std::string nonce = a->make("example.com", "127.0.0.1");
  nonce[20] = nonce[20] == 'A' ? 'B' : 'A';
  for (auto _ : state) benchmark::DoNotOptimize(a->verify(nonce, "example.com", "127.0.0.1"));
}
BENCHMARK(BM_NonceVerifyForged);

void BM_NonceMakeVerify(benchmark::State& state) {
  auto a = NonceAuthority::create();
  for (auto _ : state) {
    std::string nonce = a->make("example.com", "127.0.0.1");
    benchmark::DoNotOptimize(a->verify(nonce, "example.com", "127.0.0.1"));
  }
}
BENCHMARK(BM_NonceMakeVerify)->Threads(1)->Threads(2);

void BM_NcTrackerRecord(benchmark::State& state) {
  NcTracker t(1 << 16);
  uint32_t nc = 1;
  for (auto _ : state) benchmark::DoNotOptimize(t.check_and_record("0123456789012345678901234567890123456789abc", 0, nc++));
}
BENCHMARK(BM_NcTrackerRecord);

// One Digest registration as the edge sees it: challenge (nonce + 2 headers), then on the
// answer: parse, nonce verify, SHA-256 response verify, nc record.
void BM_DigestRegistrationSha256(benchmark::State& state) {
  auto a = NonceAuthority::create();
  NcTracker tracker(1 << 20);  // more than the iterations: no eviction in the loop
  const auto order = default_algorithm_order();
  const std::string ha1 = digest_ha1(HashAlgorithm::kSha256, "alice@example.com", "example.com", "correct horse");
  for (auto _ : state) {
    std::string nonce = a->make("example.com", "127.0.0.1");
    ChallengeParams p;
    p.realm = "example.com";
    p.nonce = nonce;
    auto challenges = build_challenges(order, p);
    benchmark::DoNotOptimize(challenges);
    DigestInput in{kDigestSha256, ha1, "REGISTER", "sip:example.com", nonce, "00000001", "abcdef", "auth", ""};
    std::string header = R"(Digest username="alice@example.com", realm="example.com", nonce=")" + nonce +
                         R"(", uri="sip:example.com", response=")" + *digest_response(in).value +
                         R"(", algorithm=SHA-256, cnonce="abcdef", qop=auth, nc=00000001)";
    // Server side from here (the client's response computation above is part of the loop too).
    auto creds = parse_digest_credentials(header);
    auto check = a->verify(creds.value->nonce, "example.com", "127.0.0.1");
    DigestInput srv{creds.value->algorithm, ha1, "REGISTER", creds.value->uri, creds.value->nonce,
                    creds.value->nc, creds.value->cnonce, creds.value->qop, ""};
    bool ok = check.status == NonceStatus::kValid && digest_verify(srv, creds.value->response) &&
              tracker.check_and_record(creds.value->nonce, check.issued_at_ms, 1) == NcTracker::Verdict::kAccepted;
    if (!ok) state.SkipWithError("registration failed");
  }
}
BENCHMARK(BM_DigestRegistrationSha256);

}  // namespace

BENCHMARK_MAIN();
