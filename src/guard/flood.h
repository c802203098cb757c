#pragma once
// Flood detection before parsing: per source over a sliding window (per flow for flows that
// authenticated, per address otherwise) and per /24 (IPv4) or /64 (IPv6) prefix, in the
// fixed memory of two window sketches. Past a threshold the source (or the prefix) is
// banned for ban_ttl_s with the count in the reason, so the banlist guard drops it from then
// on at the cost of one lookup. Allowlisted sources are never counted.
#include "config/config.h"
#include "guard/banlist.h"
#include "guard/guard.h"
#include "guard/window_sketch.h"

namespace imsguard::guard {

class FloodGuard final : public Guard {
 public:
  // `metrics`, `events`: the node's registry and sink (guard::ChainDeps).
  FloodGuard(const config::FloodGuard& config, BanList& bans, ops::CounterRegistry& metrics, ops::EventSink& events);
  std::string_view name() const override { return "flood"; }
  Verdict on_raw(const Context& ctx, std::string_view bytes) override;
  size_t memory_bytes() const override { return per_source_.memory_bytes() + per_prefix_.memory_bytes(); }

 private:
  void ban(const Context& ctx, bool prefix, uint32_t count);

  config::FloodGuard config_;
  BanList& bans_;
  WindowSketch per_source_;
  WindowSketch per_prefix_;
  ops::Counter& dropped_;
  ops::Counter& banned_;
  ops::Counter& spared_;
  ops::EventSink& events_;
};

}  // namespace imsguard::guard
