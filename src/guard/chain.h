#pragma once
// The defence chain: the guards of guards.order that are switched on, built once from the
// config, called by the edge at three points (raw bytes, parsed request, authentication
// result). The chain owns the shared state the guards act on (the ban table, the flows that
// authenticated, the allowlist), so a ban made by the flood or scanner guard is enforced by
// the banlist guard at the cheapest point, and `imsguard ban` reaches it through the
// control socket.
//
// size, parse, sanity, auth and identity in guards.order are the edge's own stages (the
// SIP parser's limits, sip::check_request, the authenticator, identity assertion): they
// keep their place after the raw-bytes guards and before the request guards.
#include "config/config.h"
#include "guard/banlist.h"
#include "guard/guard.h"
#include "guard/registered_flows.h"

#include <memory>
#include <string>
#include <vector>

namespace imsguard::guard {

class OverloadGuard;
class ControlServer;

class Chain {
 public:
  // nullptr and `error` when the guard config cannot be used (a bad allowlist entry, ...).
  static std::unique_ptr<Chain> create(const config::Config& config, std::string& error);
  ~Chain();

  // Monotonic milliseconds: the guards' clock (ban TTLs, windows, buckets).
  static int64_t now_ms();

  Context context(const net::Flow& flow, int64_t now_ms) const;
  Context context(const net::Flow& flow) const { return context(flow, now_ms()); }

  Verdict on_raw(const Context& ctx, std::string_view bytes);
  Verdict on_request(const Context& ctx, const sip::Message& msg);
  void on_auth(const Context& ctx, const sip::Message& msg, const AuthInfo& info);

  // Counts a message as in flight for its lifetime (overload guard).
  class Inflight {
   public:
    explicit Inflight(OverloadGuard* g);
    ~Inflight();
    Inflight(const Inflight&) = delete;
    Inflight& operator=(const Inflight&) = delete;

   private:
    OverloadGuard* guard_;
  };
  // The load tracker for Inflight (null when the overload guard is off).
  OverloadGuard* load_tracker() const { return overload_; }

  BanList& bans() { return bans_; }
  RegisteredFlows& registered_flows() { return registered_; }
  // Enabled guards in chain order, by name.
  std::vector<std::string_view> names() const;
  Guard* find(std::string_view name) const;
  // Bytes held by every guard and the shared tables: fixed after construction except for
  // the ban table, which is capped.
  size_t memory_bytes() const;

  // Ban management for a running process: a unix socket (see guard/control.h).
  std::string start_control(const std::string& socket_path);
  void stop_control();

 private:
  explicit Chain(const config::Config& config);

  const uint32_t default_ban_ttl_s_;
  const int64_t registered_ttl_ms_;
  BanList bans_;
  RegisteredFlows registered_;
  std::vector<Prefix> allowlist_;
  std::vector<std::unique_ptr<Guard>> guards_;
  std::vector<Guard*> raw_, request_, auth_;
  OverloadGuard* overload_ = nullptr;
  std::unique_ptr<ControlServer> control_;
  ops::Counter& passed_;
};

}  // namespace imsguard::guard
