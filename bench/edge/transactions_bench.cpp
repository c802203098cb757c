// Micro benchmarks of the UDP server transaction table, the part of the registration hot
// path that every REGISTER crosses twice (open, then the recorded answer). Results in
// docs/benchmarks.md ("Authenticated registrations").
#include <benchmark/benchmark.h>

#include <deque>
#include <string>
#include <vector>

#include "edge/server_transactions.h"
#include "sip/parser.h"

namespace {

using namespace imsguard;

struct NullResponder : net::Responder {
  void send(std::string_view bytes) override { benchmark::DoNotOptimize(bytes.data()); }
};

// `n` REGISTERs with distinct branches, parsed once (the parser is measured in bench/sip).
struct Registers {
  std::deque<std::string> texts;
  std::deque<sip::Message> messages;
  explicit Registers(size_t n) {
    for (size_t i = 0; i < n; ++i) {
      texts.push_back("REGISTER sip:ims.local SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-"
                      "bench-" + std::to_string(i) + "-3f2a9c\r\nMax-Forwards: 70\r\nFrom: <sip:user" +
                      std::to_string(i) + "@ims.local>;tag=" + std::to_string(i) + "\r\nTo: <sip:user" +
                      std::to_string(i) + "@ims.local>\r\nCall-ID: bench-" + std::to_string(i) +
                      "\r\nCSeq: 2 REGISTER\r\nContact: <sip:user@127.0.0.1:5061>\r\nContent-Length: 0\r\n\r\n");
      sip::parse_datagram(texts.back(), sip::Limits{}, messages.emplace_back());
    }
  }
};

net::Flow source() {
  net::Flow f;
  f.address = asio::ip::make_address("127.0.0.1");
  f.port = 5061;
  return f;
}

const std::string kOk =
    "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-bench;received=127.0.0.1\r\n"
    "From: <sip:user@ims.local>;tag=1\r\nTo: <sip:user@ims.local>;tag=2\r\nCall-ID: bench\r\nCSeq: 2 REGISTER\r\n"
    "Contact: <sip:user@127.0.0.1:5061>;expires=600\r\nContent-Length: 0\r\n\r\n";

// A new REGISTER: open its transaction, record the 200 (what the registrar's answer costs
// the table). The table is at its steady state: full, evicting the oldest.
void BM_NewTransactionAndAnswer(benchmark::State& state) {
  static Registers regs(1 << 16);
  ops::CounterRegistry metrics;
  edge::ServerTransactions table(metrics, 4096, 32000);
  NullResponder reply;
  net::Flow flow = source();
  size_t i = 0;
  for (auto _ : state) {
    auto opened = table.open(flow, regs.messages[i], reply);
    table.responded(opened.key, kOk);
    i = (i + 1) % regs.messages.size();
  }
}
BENCHMARK(BM_NewTransactionAndAnswer);

// A retransmission: found, answered again from the table.
void BM_RetransmissionAnsweredFromTable(benchmark::State& state) {
  static Registers regs(1024);
  ops::CounterRegistry metrics;
  edge::ServerTransactions table(metrics, 4096, 1 << 30);
  NullResponder reply;
  net::Flow flow = source();
  for (auto& m : regs.messages) table.responded(table.open(flow, m, reply).key, kOk);
  size_t i = 0;
  for (auto _ : state) {
    auto opened = table.open(flow, regs.messages[i], reply);
    benchmark::DoNotOptimize(opened.match);
    i = (i + 1) % regs.messages.size();
  }
}
BENCHMARK(BM_RetransmissionAnsweredFromTable);

}  // namespace

BENCHMARK_MAIN();
