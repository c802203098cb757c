#include "service/service_box.h"

#include <chrono>

#include "ops/episodes.h"
#include "ops/events.h"
#include "service/media_service.h"
#include "service/passport.h"
#include "sip/parser.h"
#include "sip/response.h"

namespace imsguard::service {
namespace {

int64_t system_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ServiceBox::ServiceBox(const ServiceCatalog& catalog, Es256Key core_cert_key, ServiceBoxOptions options,
                       ops::EventSink& events, Clock clock)
    : catalog_(catalog),
      key_(std::move(core_cert_key)),
      options_(std::move(options)),
      events_(events),
      clock_(clock ? std::move(clock) : Clock(system_now)),
      replay_(options_.replay_capacity, options_.max_age_s + 10),
      media_(options_.media) {}

std::string ServiceBox::refuse(const sip::Message& request, int code, std::string_view reason, std::string_view why) {
  ++counters_.refused;
  ops::emit_episode(events_, {"service", "core", std::string(request.call_id()), "refuse", std::string(why)}, why);
  return sip::make_response(request, code, reason, {}, "sb");
}

std::string ServiceBox::handle(const sip::Message& req) {
  if (!req.is_request()) return {};
  if (req.method_name() == "ACK") return {};
  auto ruri = sip::parse_uri(req.request_uri());
  if (!ruri || !ruri->is_sip() || !ruri->has_user) return refuse(req, 404, "Not Found", "request URI names no service");
  std::string name = ruri->user_unescaped();
  const ServiceEntry* entry = catalog_.find(name);
  if (!entry) return refuse(req, 404, "Not Found", "unknown service " + name);
  // A content service is reached over HTTPS; its SIP token requests end at the core. BYE
  // and CANCEL belong to a media dialog of an INVITE service.
  bool media_dialog = media_ && entry->method == "INVITE";
  bool bye = media_dialog && req.method_name() == "BYE";
  bool cancel = media_dialog && req.method_name() == "CANCEL";
  if (entry->is_content() || (req.method_name() != entry->method && !bye && !cancel))
    return refuse(req, 405, "Method Not Allowed", "wrong method for " + name);

  const auto* identity = req.find("Identity");
  auto pai = req.p_asserted_identities();
  std::string signalling_address;  // from the signed assertion only
  if (!identity) {
    if (options_.require_signed_assertion || (pai && !pai->empty()))
      return refuse(req, 428, "Use Identity Header", "no signed assertion");
  } else {
    auto check = passport_verify(key_, identity->value, clock_(), options_.max_age_s);
    if (!check.claims) return refuse(req, 438, "Invalid Identity Header", check.error);
    const auto& c = *check.claims;
    if (c.service != name) return refuse(req, 438, "Invalid Identity Header", "assertion is for another service");
    if (!pai || pai->size() != 1 || (*pai)[0].uri.raw != c.orig)
      return refuse(req, 403, "Forbidden", "P-Asserted-Identity does not match the signed orig");
    auto verdict = replay_.check_and_insert(c.origid, c.iat, clock_());
    if (verdict == ReplayCache::Verdict::kReplay) {
      ++counters_.replays;
      return refuse(req, 403, "Forbidden", "replayed assertion " + c.origid);
    }
    if (verdict == ReplayCache::Verdict::kFull) return refuse(req, 503, "Service Unavailable", "replay cache full");
    signalling_address = c.signalling_address;
  }
  ++counters_.served;
  std::string pai_value = "<" + entry->identity + ">";
  if (media_ && entry->method == "INVITE") {
    std::string caller = pai && !pai->empty() ? std::string((*pai)[0].uri.raw) : std::string();
    if (bye) return media_->handle_bye(req, "sb", caller);
    if (cancel) return media_->handle_cancel(req, "sb", caller);
    // Unsigned (require_signed_assertion: false): no signalling address, so no stream.
    return media_->handle_invite(req, "sb", pai_value, caller, "core", signalling_address);
  }
  sip::HeaderPair extra[] = {{"P-Asserted-Identity", pai_value}};
  return sip::make_response(req, 200, "OK", extra, "sb");
}

void ServiceBox::on_message(const net::Flow& flow, std::string_view bytes, net::Responder& reply) {
  sip::Message msg;
  auto parsed = flow.transport == config::Transport::kUdp ? sip::parse_datagram(bytes, {}, msg)
                                                          : sip::parse_stream_message(bytes, {}, msg);
  if (parsed.status == sip::ParseStatus::kDrop) return;
  if (parsed.status == sip::ParseStatus::kReject) {
    reply.send(sip::make_response(msg, parsed.code, parsed.reason));
    return;
  }
  std::string out = handle(msg);
  if (!out.empty()) reply.send(out);
}

void ServiceBox::on_stream_error(const net::Flow&, int, std::string_view, net::Responder&) {}

}  // namespace imsguard::service
