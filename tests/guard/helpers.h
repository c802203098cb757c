#pragma once
// Test helpers: flows from address text, requests parsed from text, a context at a time, and
// the brute-force fixture (thresholds, a failed attempt, an attempt) its tests share.
#include "guard/bruteforce.h"
#include "guard/chain.h"
#include "sip/parser.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace imsguard::guard::testing {

inline net::Flow flow(const std::string& ip, uint16_t port = 5062) {
  net::Flow f;
  f.address = asio::ip::make_address(ip);
  f.port = port;
  return f;
}

inline Context ctx_at(const net::Flow& f, int64_t now_ms, bool registered = false, bool allowlisted = false) {
  return Context{f, now_ms, Address::from(f.address), hash_flow(f), registered, allowlisted};
}

// A parsed request; the text keeps living in the returned holder.
struct Request {
  std::string text;
  sip::Message msg;
};

inline std::unique_ptr<Request> request(const std::string& method, const std::string& user,
                                        const std::string& user_agent = "testphone/1.0",
                                        const std::string& authorization = "") {
  auto r = std::make_unique<Request>();
  std::string uri = method == "REGISTER" ? "sip:ims.local" : "sip:" + user + "@ims.local";
  r->text = method + " " + uri + " SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK" + user + "x\r\n"
            "Max-Forwards: 70\r\n"
            "From: <sip:" + user + "@ims.local>;tag=1\r\n"
            "To: <sip:" + user + "@ims.local>\r\n"
            "Call-ID: " + user + "-call\r\n"
            "CSeq: 1 " + method + "\r\n"
            "Contact: <sip:" + user + "@192.0.2.1:5062>\r\n"
            "User-Agent: " + user_agent + "\r\n" +
            (authorization.empty() ? "" : "Authorization: " + authorization + "\r\n") +
            "Content-Length: 0\r\n\r\n";
  sip::Limits limits;
  auto parsed = sip::parse_datagram(r->text, limits, r->msg);
  EXPECT_EQ(parsed.status, sip::ParseStatus::kOk) << parsed.reason << "\n" << r->text;
  return r;
}

inline std::string digest(const std::string& username) {
  return "Digest username=\"" + username +
         "\", realm=\"ims.local\", nonce=\"abc\", uri=\"sip:ims.local\", response=\"00000000000000000000000000000000\"";
}

// The brute-force thresholds of the guard tests: a 300 s window, lockouts of 60 s doubling up
// to an hour, 3 resyncs; each test names the three it varies.
inline config::BruteForceGuard brute_force_limits(uint32_t max_failures, uint32_t per_impi_distributed,
                                                  uint32_t max_challenges_per_impi) {
  config::BruteForceGuard c;
  c.max_failures = max_failures;
  c.window_s = 300;
  c.lockout_s = 60;
  c.backoff_factor = 2;
  c.max_lockout_s = 3600;
  c.per_impi_distributed = per_impi_distributed;
  c.max_challenges_per_impi = max_challenges_per_impi;
  c.max_resyncs = 3;
  return c;
}

// `user` (of ims.local) failed to answer a challenge we sent from `f` at `now`: a guess.
inline void fail(Guard& g, const net::Flow& f, const std::string& user, int64_t now) {
  auto r = request("REGISTER", user, "x", digest(user + "@ims.local"));
  g.on_auth(ctx_at(f, now), r->msg, AuthInfo{AuthEvent::kFailed, user + "@ims.local", "wrong", true});
}

// What the guard decides for a REGISTER of `user` from `f` at `now`.
inline Verdict attempt(Guard& g, const net::Flow& f, const std::string& user, int64_t now, bool registered = false) {
  auto r = request("REGISTER", user, "x", digest(user + "@ims.local"));
  return g.on_request(ctx_at(f, now, registered), r->msg);
}

}  // namespace imsguard::guard::testing
