#include "edge/request_challenge.h"

#include "edge/auth_guard_info.h"
#include "guard/chain.h"
#include "ops/counters.h"
#include "ops/episodes.h"
#include "sip/response.h"

#include <algorithm>
#include <cctype>

namespace imsguard::edge {

struct RequestChallengeCounters {
  ops::CounterRegistry& m;  // first: the members below are made from it
  ops::Counter& challenged = m.get("imsguard_auth_requests_total{result=\"challenged\"}",
                                                 "out-of-dialog requests of UDP flows by the outcome of their 407 (auth.challenge_udp_requests)");
  ops::Counter& failed = m.get("imsguard_auth_requests_total{result=\"failed\"}");
  ops::Counter& ok = m.get("imsguard_auth_requests_total{result=\"ok\"}");
  ops::Counter& other_subscriber = m.get("imsguard_auth_requests_total{result=\"other_subscriber\"}");
  ops::Counter& unavailable = m.get("imsguard_auth_requests_total{result=\"store_unavailable\"}");
};

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

}  // namespace

RequestChallenge::RequestChallenge(const config::Config& config, Authenticator& authenticator,
                                   ops::CounterRegistry& metrics, ops::EventSink& events)
    : config_(config),
      auth_(authenticator),
      owned_counters_(new RequestChallengeCounters{metrics}),
      counters_(*owned_counters_),
      events_(events) {}

RequestChallenge::~RequestChallenge() = default;

bool RequestChallenge::applies(const net::Flow& flow, const sip::Message& msg) const {
  if (!config_.auth.challenge_udp_requests || flow.transport != config::Transport::kUdp) return false;
  switch (msg.method()) {
    case sip::Method::kRegister:  // the registrar's own challenge
    case sip::Method::kAck:       // never answered (RFC 3261 17.1.1.3, 22.1)
    case sip::Method::kCancel:    // cannot be challenged (RFC 3261 22.1)
      return false;
    default:
      break;
  }
  // Inside a dialog the request follows the route set the dialog's two flows were given
  // (edge/dialog_route.h); what opens something new is what a spoofer would send.
  auto to = msg.to();
  return !to || to->tag().empty();
}

void RequestChallenge::challenge(const sip::Message& msg, const Challenge& c, net::Responder& reply) const {
  std::vector<std::pair<std::string_view, std::string_view>> extra;
  for (const auto& v : c.www_authenticate) extra.emplace_back("Proxy-Authenticate", v);
  reply.send(sip::make_response(msg, 407, "Proxy Authentication Required", extra, local_tag(msg)));
}

bool RequestChallenge::admit(const net::Flow& flow, const FlowIdentity& identity, const sip::Message& msg,
                             net::Responder& reply, const guard::Context* guard_ctx) {
  // The nonce is bound to the source the edge recorded on the request and to the flow's own
  // IMPI: the answer must come from this address, for this subscriber.
  std::string_view source = msg.received_from().address();
  crypto::RequestCredentials creds = auth_.read(msg, sip::HeaderId::kProxyAuthorization, source);
  const std::string own = lower(identity.impi);
  if (creds.found != crypto::CredentialsFound::kOurs) creds.impi = own;
  auto from = msg.from();
  std::string aor = from ? Registrar::normalise_aor(from->uri.raw) : std::string();
  AuthResult r = auth_.authenticate(msg, creds, aor, source);
  // Another subscriber's good answer proves that subscriber, not this flow's: a fresh
  // challenge for the flow's own identity, counted as a failure.
  bool foreign = r.outcome == AuthOutcome::kAuthenticated && r.subscriber && lower(r.subscriber->impi) != own;
  if (foreign) {
    crypto::RequestCredentials none;
    none.impi = own;
    std::string who = r.impi;
    r = auth_.authenticate(msg, none, aor, source);
    if (r.outcome == AuthOutcome::kChallenge) r.outcome = AuthOutcome::kFailed;
    r.impi = who;
  }
  std::string reason = foreign ? "Proxy-Authorization of another subscriber (" + r.impi + ") on " + identity.impi + "'s flow"
                               : r.reason_line();
  if (guards_ && r.outcome != AuthOutcome::kUnavailable) {
    guard::AuthInfo info = guard_auth_info(r, reason);
    guard::Context ctx = guard_ctx ? *guard_ctx : guards_->context(flow);
    ctx.credentials = &creds;
    guards_->on_auth(ctx, msg, info);
  }
  switch (r.outcome) {
    case AuthOutcome::kAuthenticated:
      counters_.ok.inc();
      return true;
    case AuthOutcome::kChallenge:
      counters_.challenged.inc();
      challenge(msg, r.challenge, reply);
      return false;
    case AuthOutcome::kFailed:
      (foreign ? counters_.other_subscriber : counters_.failed).inc();
      // One event per flow and episode: a spoofer repeating a forged answer writes one line.
      ops::emit_episode(events_, {"auth", flow.to_string(), r.impi, "reject", std::string(msg.method_name()) + ": " + reason},
                        flow.to_string());
      challenge(msg, r.challenge, reply);
      return false;
    case AuthOutcome::kUnavailable: {
      counters_.unavailable.inc();
      ops::emit_episode(events_, {"auth", flow.to_string(), r.impi, "reject", reason}, "store");
      const std::pair<std::string_view, std::string_view> extra[] = {{"Retry-After", "5"}};
      reply.send(sip::make_response(msg, 503, "Service Unavailable", extra));
      return false;
    }
  }
  return false;
}

}  // namespace imsguard::edge
