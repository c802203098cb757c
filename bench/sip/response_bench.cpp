// bench_sip_response: what writing received/rport into the top Via (RFC 3261 18.2.1,
// RFC 3581) costs the answers on the REGISTER hot path. The request is the one
// bench/sipp/register_auth.xml sends (its Via asks for rport); the answer is the edge's 401
// with a Digest challenge. Each case builds that 401 (make_response) and the relayed copy of
// the request (MessageWriter::str()), once from a request without a source (the Via copied
// as it is, as before) and once with the source recorded (the Via annotated). Results are in
// docs/benchmarks.md.
#include <benchmark/benchmark.h>

#include <string>

#include "sip/message.h"
#include "sip/parser.h"
#include "sip/response.h"
#include "sip/writer.h"

namespace {

namespace sip = imsguard::sip;

const std::string kRegister =
    "REGISTER sip:ims.local SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK-31337-1-0;rport\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:user0@ims.local>;tag=31337r1\r\n"
    "To: <sip:user0@ims.local>\r\n"
    "Call-ID: 1-31337@127.0.0.1\r\n"
    "CSeq: 1 REGISTER\r\n"
    "Contact: <sip:user0@127.0.0.1:5062;transport=UDP>\r\n"
    "Expires: 3600\r\n"
    "User-Agent: imsguard-bench\r\n"
    "Content-Length: 0\r\n\r\n";

const std::string kChallenge =
    "Digest realm=\"ims.local\", nonce=\"a3f1c2d4e5b6a7980123456789abcdef0123456789abcdef\", "
    "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", algorithm=MD5, qop=\"auth\"";

sip::Message parsed(bool with_source) {
  sip::Message m;
  sip::parse_datagram(kRegister, sip::Limits{}, m);
  if (with_source) m.set_received_from(sip::ReceivedFrom("127.0.0.1", 5062));
  return m;
}

void BM_response_401(benchmark::State& state, bool with_source) {
  sip::Message m = parsed(with_source);
  const sip::HeaderPair extra[] = {{"WWW-Authenticate", kChallenge}};
  for (auto _ : state) {
    std::string out = sip::make_response(m, 401, "Unauthorized", extra, "edge1");
    benchmark::DoNotOptimize(out.data());
  }
}

void BM_relay_copy(benchmark::State& state, bool with_source) {
  sip::Message m = parsed(with_source);
  for (auto _ : state) {
    sip::MessageWriter w(m);
    w.prepend_via("SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKedge");
    std::string out = w.str();
    benchmark::DoNotOptimize(out.data());
  }
}

BENCHMARK_CAPTURE(BM_response_401, via_copied, false);
BENCHMARK_CAPTURE(BM_response_401, via_received_rport, true);
BENCHMARK_CAPTURE(BM_relay_copy, via_copied, false);
BENCHMARK_CAPTURE(BM_relay_copy, via_received_rport, true);

}  // namespace

BENCHMARK_MAIN();
