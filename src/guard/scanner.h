#pragma once
// Scanners: the tools that map, enumerate and crack SIP services announce themselves
// (User-Agent "friendly-scanner" of sipvicious, sipcli, sipsak, sundayddr, ...) or behave
// like sweeps (one unauthenticated source asking for many distinct users, or a burst of
// OPTIONS). Either way the answer is nothing: a silent drop and a ban, so the tool learns
// neither that a SIP service is here nor which users exist.
#include "config/config.h"
#include "guard/banlist.h"
#include "guard/guard.h"
#include "guard/slot_table.h"

#include <array>

namespace imsguard::guard {

// True when a product name of the User-Agent (or Server) value is a known attack tool's
// (whole tokens, case-insensitive, comments ignored).
bool is_scanner_agent(std::string_view user_agent);

class ScannerGuard final : public Guard {
 public:
  // `metrics`, `events`: the node's registry and sink (guard::ChainDeps).
  ScannerGuard(const config::ScannerGuard& config, BanList& bans, ops::CounterRegistry& metrics, ops::EventSink& events);
  std::string_view name() const override { return "scanner"; }
  Verdict on_request(const Context& ctx, const sip::Message& msg) override;
  size_t memory_bytes() const override { return table_.memory_bytes(); }

 private:
  struct Sweep {
    int64_t window_start_ms = 0;
    std::array<uint64_t, 4> users{};  // 256-bit linear-counting bitmap of distinct users
    uint32_t options = 0;
  };
  Verdict act(const Context& ctx, std::string_view why);

  config::ScannerGuard config_;
  BanList& bans_;
  SlotTable<Sweep> table_;
  ops::Counter& dropped_;
  ops::Counter& banned_;
  ops::Counter& spared_;
  ops::EventSink& events_;
};

}  // namespace imsguard::guard
