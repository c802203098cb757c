// bench_sip_parse: how fast imsguard's SIP parser is next to libosip2 and sofia-sip on the
// same bytes. Each benchmark is named <operation>/<parser>/<message>; after the run a
// table gives the speed ratio of imsguard against each library (the goal is at
// least 3x libosip2). Results are recorded in docs/benchmarks.md.
//
// Operations:
//   parse           what each library does when handed a datagram. imsguard indexes the
//                   header lines and frames the body; libosip2 and sofia-sip also build
//                   their header structures eagerly.
//   parse_typed     imsguard parse plus the typed views a proxy reads on every message
//                   (all Vias, From, To, Call-ID, CSeq, Max-Forwards, Contact, Route,
//                   Record-Route, P-*-Identity, Content-Type), for a like-for-like view.
//   parse_serialize parse and produce the bytes to forward (osip_message_to_str,
//                   msg_as_string, imsguard's MessageWriter::str() of the untouched message).
// The ratio table uses CPU time (the median when --benchmark_repetitions is given), which
// is steadier than wall time on a shared machine.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <unistd.h>

extern "C" {
#include <osipparser2/osip_message.h>
#include <osipparser2/osip_parser.h>
#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su_alloc.h>
}

#include "messages.h"
#include "sip/message.h"
#include "sip/parser.h"
#include "sip/writer.h"

namespace {

using imsguard::bench::SampleMessage;
namespace sip = imsguard::sip;

size_t touch_typed(const sip::Message& m) {
  size_t n = m.call_id().size();
  n += m.cseq() ? 1 : 0;
  n += m.max_forwards().value_or(0);
  if (auto v = m.vias()) n += v->size();
  n += m.from() ? 1 : 0;
  n += m.to() ? 1 : 0;
  if (auto c = m.contacts()) n += c->size();
  if (auto r = m.routes()) n += r->size();
  if (auto r = m.record_routes()) n += r->size();
  if (auto p = m.p_asserted_identities()) n += p->size();
  if (auto p = m.p_preferred_identities()) n += p->size();
  n += m.content_type().size();
  return n;
}

void BM_imsguard(benchmark::State& state, const SampleMessage& msg, int op) {
  sip::Limits limits;
  sip::Message m;
  std::string out;
  if (sip::parse_datagram(msg.bytes, limits, m).status != sip::ParseStatus::kOk) {
    state.SkipWithError("imsguard refused the sample message");
    return;
  }
  for (auto _ : state) {
    auto r = sip::parse_datagram(msg.bytes, limits, m);
    benchmark::DoNotOptimize(r);
    if (op == 1) benchmark::DoNotOptimize(touch_typed(m));
    if (op == 2) {
      out = sip::MessageWriter(m).str();
      benchmark::DoNotOptimize(out.data());
    }
  }
  if (op == 2 && out != msg.bytes) state.SkipWithError("imsguard reassembly differs from the input");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * msg.bytes.size()));
}

void BM_osip(benchmark::State& state, const SampleMessage& msg, int op) {
  {
    osip_message_t* check = nullptr;
    osip_message_init(&check);
    int rc = osip_message_parse(check, msg.bytes.data(), msg.bytes.size());
    osip_message_free(check);
    if (rc != 0) {
      state.SkipWithError("libosip2 refused the sample message");
      return;
    }
  }
  for (auto _ : state) {
    osip_message_t* m = nullptr;
    osip_message_init(&m);
    int rc = osip_message_parse(m, msg.bytes.data(), msg.bytes.size());
    benchmark::DoNotOptimize(rc);
    if (op == 2) {
      char* text = nullptr;
      size_t len = 0;
      osip_message_force_update(m);  // otherwise osip hands back its cached input
      osip_message_to_str(m, &text, &len);
      benchmark::DoNotOptimize(text);
      osip_free(text);
    }
    osip_message_free(m);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * msg.bytes.size()));
}

void BM_sofia(benchmark::State& state, const SampleMessage& msg, int op) {
  {
    msg_t* check = msg_make(sip_default_mclass(), 0, msg.bytes.data(), static_cast<ssize_t>(msg.bytes.size()));
    sip_t* s = check ? sip_object(check) : nullptr;
    bool ok = s && !s->sip_error && s->sip_call_id && s->sip_cseq;
    if (check) msg_destroy(check);
    if (!ok) {
      state.SkipWithError("sofia-sip refused the sample message");
      return;
    }
  }
  for (auto _ : state) {
    msg_t* m = msg_make(sip_default_mclass(), 0, msg.bytes.data(), static_cast<ssize_t>(msg.bytes.size()));
    benchmark::DoNotOptimize(m);
    if (op == 2) {
      size_t len = 0;
      char* text = msg_as_string(nullptr, m, nullptr, 0, &len);
      benchmark::DoNotOptimize(text);
      su_free(nullptr, text);
    }
    msg_destroy(m);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * msg.bytes.size()));
}

// Console output as usual, plus each run's time kept for the ratio table.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  RatioReporter() : ConsoleReporter(isatty(fileno(stdout)) ? OO_Defaults : OO_Tabular) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) {
      if (r.error_occurred) continue;
      bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
      if (r.run_type == Run::RT_Iteration && !ns_.count(r.run_name.str())) {
        ns_[r.run_name.str()] = r.GetAdjustedCPUTime();  // time unit is ns
      } else if (median) {
        ns_[r.run_name.str()] = r.GetAdjustedCPUTime();
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }

  void PrintRatios() const {
    std::printf("\nSpeed of imsguard relative to each library (their CPU ns/message divided by imsguard's):\n");
    std::printf("%-12s %-16s %12s %12s %12s %10s %10s\n", "message", "operation", "imsguard ns", "libosip2 ns",
                "sofia ns", "x osip", "x sofia");
    for (const auto& msg : imsguard::bench::sample_messages()) {
      for (const char* op : {"parse", "parse_typed", "parse_serialize"}) {
        // parse_typed compares imsguard's parse+views with the libraries' plain parse,
        // which already builds the same structures.
        std::string lib_op = std::string(op) == "parse_typed" ? "parse" : op;
        double ours = get(std::string(op) + "/imsguard/" + msg.name);
        double osip = get(lib_op + "/libosip2/" + msg.name);
        double sofia = get(lib_op + "/sofia-sip/" + msg.name);
        if (ours <= 0) continue;
        std::printf("%-12s %-16s %12.0f %12.0f %12.0f %9.1fx %9.1fx\n", msg.name.c_str(), op, ours, osip, sofia,
                    osip / ours, sofia / ours);
      }
    }
  }

 private:
  double get(const std::string& name) const {
    auto it = ns_.find(name);
    return it == ns_.end() ? 0.0 : it->second;
  }
  std::map<std::string, double> ns_;
};

}  // namespace

int main(int argc, char** argv) {
  parser_init();
  const char* ops[] = {"parse", "parse_typed", "parse_serialize"};
  for (const auto& msg : imsguard::bench::sample_messages()) {
    for (int op = 0; op < 3; ++op) {
      benchmark::RegisterBenchmark((std::string(ops[op]) + "/imsguard/" + msg.name).c_str(), BM_imsguard, msg, op);
    }
    for (int op : {0, 2}) {
      benchmark::RegisterBenchmark((std::string(ops[op]) + "/libosip2/" + msg.name).c_str(), BM_osip, msg, op);
      benchmark::RegisterBenchmark((std::string(ops[op]) + "/sofia-sip/" + msg.name).c_str(), BM_sofia, msg, op);
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.PrintRatios();
  benchmark::Shutdown();
  return 0;
}
