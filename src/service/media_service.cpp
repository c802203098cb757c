#include "service/media_service.h"

#include <unistd.h>

#include "media/sdes.h"
#include "ops/counters.h"
#include "ops/events.h"
#include "media/udp.h"
#include "sip/parser.h"
#include "sip/response.h"
#include "sip/sdp.h"
#include "sip/writer.h"

namespace imsguard::service {

MediaService::MediaService(MediaServiceOptions options, ops::CounterRegistry& metrics, ops::EventSink& events)
    : options_(std::move(options)),
      events_(events),
      negotiation_(metrics, events),
      refused_per_subscriber_(
          metrics.get("imsguard_media_sessions_refused_total{cap=\"subscriber\"}",
                      "media INVITEs refused because the subscriber (or the box) holds its maximum of streams")),
      refused_total_(metrics.get("imsguard_media_sessions_refused_total{cap=\"total\"}")),
      redirected_(metrics.get("imsguard_media_destination_redirected_total",
                              "media streams sent to the signalling address rather than another address named in the SDP")),
      pump_(metrics, [this](const media::StreamReport& r) {
        std::lock_guard lock(mutex_);
        auto it = calls_.find(r.label);
        if (it == calls_.end()) return;
        mark_ended(it->second);
      }) {}

MediaService::~MediaService() { stop(); }

Status MediaService::start() {
  policy_.policy = options_.media.srtp_policy;
  policy_.sdes_allowed = true;  // see the header: plain client hops lose a=crypto at the edge
  policy_.suites.clear();
  for (const auto& name : options_.media.crypto_suites) {
    auto suite = media::suite_from_sdes_name(name);
    if (!suite) return invalid_argument("media.crypto_suites: '" + name + "' is not one of " + media::sdes_names());
    policy_.suites.push_back(*suite);
  }
  if (options_.media.crypto_suites.empty()) policy_.suites = media::all_suites();
  if (Status init = media::srtp_library_init(); !init.ok()) return init;
  auto identity = media::DtlsIdentity::generate();
  if (!identity.ok()) return {identity.code(), "media: " + identity.message()};
  identity_ = identity.value();
  pump_.start();
  return {};
}

void MediaService::stop() { pump_.stop(); }

std::string MediaService::respond(const sip::Message& req, int code, std::string_view reason, std::string_view to_tag,
                                  std::string_view contact, std::string_view sdp) {
  std::vector<sip::HeaderPair> extra;
  if (!contact.empty()) extra.emplace_back("Contact", contact);
  std::string head = sip::make_response(req, code, reason, extra, to_tag);
  if (sdp.empty()) return head;
  sip::Message parsed;
  if (sip::parse_stream_message(head, {}, parsed).status != sip::ParseStatus::kOk) return head;
  sip::MessageWriter w(parsed);
  w.set_body("application/sdp", sdp);
  return w.str();
}

void MediaService::mark_ended(Call& call) {
  if (call.ended) return;
  call.ended = true;
  call.ended_at = std::chrono::steady_clock::now();
  if (active_total_ > 0) --active_total_;
  if (options_.media.max_sessions > active_total_) total_capped_ = false;  // the box's episode is over
  auto it = active_by_caller_.find(call.caller);
  if (it == active_by_caller_.end()) return;
  if (--it->second == 0) active_by_caller_.erase(it);
  capped_callers_.erase(call.caller);  // below its cap again: a new refusal is a new episode
}

std::string MediaService::over_cap(std::string_view identity, std::string_view source, int& code) {
  auto it = active_by_caller_.find(identity);
  uint32_t mine = it == active_by_caller_.end() ? 0 : it->second;
  if (mine >= options_.media.max_sessions_per_subscriber) {
    refused_per_subscriber_.inc();
    code = 486;
    std::string why = "media session limit per subscriber reached (" +
                      std::to_string(options_.media.max_sessions_per_subscriber) + ")";
    if (capped_callers_.emplace(std::string(identity), true).second)
      events_.emit({"media", std::string(source), std::string(identity), "reject",
                          why + "; further INVITEs refused silently until one of its streams ends"});
    return why;
  }
  if (active_total_ >= options_.media.max_sessions) {
    refused_total_.inc();
    code = 503;
    std::string why = "media session limit reached (" + std::to_string(options_.media.max_sessions) + ")";
    if (!total_capped_)
      events_.emit({"media", std::string(source), std::string(identity), "reject",
                          why + "; further INVITEs refused silently until a stream ends"});
    total_capped_ = true;
    return why;
  }
  return {};
}

std::string MediaService::handle_invite(const sip::Message& invite, std::string_view to_tag, std::string_view contact,
                                        std::string_view identity, std::string_view source,
                                        std::string_view signalling_address) {
  auto refuse = [&](int code, std::string_view reason, const std::string& why) {
    negotiation_.record(media::Outcome::kRefused, "answer", source, identity, why);
    // The reason phrase carries the why: the core passes no Warning header back.
    return respond(invite, code, std::string(reason) + " (" + why + ")", to_tag);
  };
  {
    // A retransmission or a re-INVITE refreshes the dialog: the same answer, the same stream.
    std::lock_guard lock(mutex_);
    prune_ended();
    if (const Call* call = find_call(invite.call_id(), identity))
      return respond(invite, 200, "OK", to_tag, call->contact, call->answer);
    if (auto to = invite.to(); to && !to->tag().empty())
      return respond(invite, 481, "Call/Transaction Does Not Exist", to_tag);
  }
  if (signalling_address.empty())
    return refuse(403, "Forbidden", "no signed signalling address: media goes only to the caller's own flow");
  {
    std::lock_guard lock(mutex_);
    int code = 0;
    if (std::string why = over_cap(identity, source, code); !why.empty()) {
      // Counted, and reported once per episode by over_cap: not one audit event per INVITE.
      std::vector<sip::HeaderPair> extra;
      if (code == 503) extra.emplace_back("Retry-After", "30");
      return sip::make_response(invite, code, std::string(sip::default_reason(code)) + " (" + why + ")", extra, to_tag);
    }
  }
  if (invite.body().empty()) return refuse(488, "Not Acceptable Here", "the INVITE has no SDP offer");
  auto offer = sip::parse_sdp(invite.body());
  if (!offer) return refuse(400, "Bad Request", "SDP offer: " + offer.message());
  auto plan = media::plan_answer(*offer, policy_);
  if (plan.outcome == media::Outcome::kRefused) return refuse(plan.code, "Not Acceptable Here", plan.reason);

  auto sock = media::bind_udp(options_.media_address);
  if (!sock) return refuse(500, "Server Internal Error", "media socket: " + sock.error);
  media::StreamConfig stream;
  stream.fd = sock.fd;
  stream.label = std::string(invite.call_id());
  stream.max_packets = options_.max_packets;
  // The stream goes to the caller's signalling address, whatever address the SDP names
  // (a NAT'd client names its private one; an attacker names its victim's).
  std::string destination(signalling_address);
  if (plan.remote_address != destination) redirected_.inc();
  if (auto err = media::connect_udp(sock.fd, destination, plan.remote_port); !err.empty()) {
    ::close(sock.fd);
    return refuse(488, "Not Acceptable Here", err);
  }
  media::LocalMedia local;
  local.address = options_.media_address;
  local.port = sock.port;
  local.direction = sip::SdpDirection::kSendOnly;
  if (plan.outcome == media::Outcome::kSrtpSdes) {
    local.sdes_key = media::generate_sdes_key(plan.remote_key->suite, plan.remote_key->tag);
    std::string error = "no random key";
    if (local.sdes_key) {
      auto tx = media::SrtpSession::create(local.sdes_key->suite, local.sdes_key->key_salt,
                                           media::SrtpSession::Direction::kSend, &pump_.srtp_counters());
      auto rx = media::SrtpSession::create(plan.remote_key->suite, plan.remote_key->key_salt,
                                           media::SrtpSession::Direction::kReceive, &pump_.srtp_counters());
      if (tx.ok() && rx.ok()) {
        stream.tx = std::move(tx).value();
        stream.rx = std::move(rx).value();
      } else {
        error = (tx.ok() ? rx : tx).message();
      }
    }
    if (!stream.tx || !stream.rx) {
      ::close(sock.fd);
      return refuse(500, "Server Internal Error", "srtp: " + error);
    }
  } else if (plan.outcome == media::Outcome::kSrtpDtls) {
    local.fingerprint = identity_->fingerprint();
    auto role = plan.local_setup == sip::SdpSetup::kActive ? media::DtlsSrtpEndpoint::Role::kClient
                                                           : media::DtlsSrtpEndpoint::Role::kServer;
    auto dtls = media::DtlsSrtpEndpoint::create(identity_, role, *plan.remote_fingerprint, policy_.suites);
    if (!dtls.ok()) {
      ::close(sock.fd);
      return refuse(500, "Server Internal Error", "dtls: " + dtls.message());
    }
    stream.dtls = std::move(dtls).value();
  }
  auto answer = sip::write_sdp(media::build_answer(*offer, plan, local));
  if (!answer) {
    ::close(sock.fd);
    return refuse(500, "Server Internal Error", "SDP answer: " + answer.message());
  }
  negotiation_.record(plan.outcome, "answer", source, identity, plan.reason);
  std::string label = stream.label;
  // Registered before the stream starts, so its end (even an immediate one) finds the dialog.
  std::unique_lock lock(mutex_);
  // Checked again under the same lock that counts: concurrent INVITEs cannot overshoot.
  int code = 0;
  if (std::string why = over_cap(identity, source, code); !why.empty()) {
    lock.unlock();
    ::close(stream.fd);
    return sip::make_response(invite, code, std::string(sip::default_reason(code)) + " (" + why + ")", {}, to_tag);
  }
  if (auto old = calls_.find(label); old != calls_.end()) {
    if (!old->second.ended) {
      // Another caller's live dialog under this Call-ID: never take over its stream.
      lock.unlock();
      ::close(stream.fd);
      return respond(invite, 400, "Bad Request (Call-ID in use)", to_tag);
    }
    calls_.erase(old);
  }
  Call& call = calls_[label];
  call = Call{0, std::string(identity), *answer, std::string(contact), false, {}};
  ++active_by_caller_[call.caller];
  ++active_total_;
  lock.unlock();
  uint64_t id = pump_.add(std::move(stream));
  lock.lock();
  if (auto it = calls_.find(label); it != calls_.end()) it->second.stream = id;
  lock.unlock();
  return respond(invite, 200, "OK", to_tag, contact, *answer);
}

const MediaService::Call* MediaService::find_call(std::string_view call_id, std::string_view identity) const {
  auto it = calls_.find(call_id);
  if (it == calls_.end() || it->second.caller != identity) return nullptr;
  return &it->second;
}

void MediaService::prune_ended() {
  auto now = std::chrono::steady_clock::now();
  std::erase_if(calls_, [&](const auto& kv) { return kv.second.ended && now - kv.second.ended_at > kEndedDialogLinger; });
}

std::string MediaService::handle_bye(const sip::Message& bye, std::string_view to_tag, std::string_view identity) {
  std::optional<uint64_t> id;
  bool known = false;
  {
    std::lock_guard lock(mutex_);
    if (const Call* call = find_call(bye.call_id(), identity)) {
      known = true;
      if (!call->ended) id = call->stream;
      auto it = calls_.find(bye.call_id());
      mark_ended(it->second);
      calls_.erase(it);
    }
  }
  if (!known) return respond(bye, 481, "Call/Transaction Does Not Exist", to_tag);
  if (id) pump_.end(*id, "bye");  // returns once the stream's socket is closed
  return respond(bye, 200, "OK", to_tag);
}

std::string MediaService::handle_cancel(const sip::Message& cancel, std::string_view to_tag,
                                        std::string_view identity) {
  std::lock_guard lock(mutex_);
  if (!find_call(cancel.call_id(), identity)) return respond(cancel, 481, "Call/Transaction Does Not Exist", to_tag);
  return respond(cancel, 200, "OK", to_tag);
}

}  // namespace imsguard::service
