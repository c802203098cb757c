#include "service/media_service.h"

#include <unistd.h>

#include "media/sdes.h"
#include "media/udp.h"
#include "sip/parser.h"
#include "sip/response.h"
#include "sip/sdp.h"
#include "sip/writer.h"

namespace imsguard::service {

MediaService::MediaService(MediaServiceOptions options)
    : options_(std::move(options)), pump_([this](const media::StreamReport& r) {
        std::lock_guard lock(mutex_);
        auto it = calls_.find(r.label);
        if (it == calls_.end()) return;
        it->second.ended = true;
        it->second.ended_at = std::chrono::steady_clock::now();
      }) {}

MediaService::~MediaService() { stop(); }

std::string MediaService::start() {
  policy_.policy = options_.media.srtp_policy;
  policy_.sdes_allowed = true;  // see the header: plain client hops lose a=crypto at the edge
  policy_.suites.clear();
  for (const auto& name : options_.media.crypto_suites) {
    auto suite = media::suite_from_sdes_name(name);
    if (!suite)
      return "media.crypto_suites: '" + name + "' is not one of AEAD_AES_128_GCM, AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32";
    policy_.suites.push_back(*suite);
  }
  if (options_.media.crypto_suites.empty()) policy_.suites = media::all_suites();
  if (auto err = media::srtp_library_init(); !err.empty()) return err;
  std::string error;
  identity_ = media::DtlsIdentity::generate(error);
  if (!identity_) return "media: " + error;
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

std::string MediaService::handle_invite(const sip::Message& invite, std::string_view to_tag, std::string_view contact,
                                        std::string_view identity, std::string_view source) {
  auto refuse = [&](int code, std::string_view reason, const std::string& why) {
    media::record_negotiation(media::Outcome::kRefused, "answer", source, identity, why);
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
  if (invite.body().empty()) return refuse(488, "Not Acceptable Here", "the INVITE has no SDP offer");
  auto offer = sip::parse_sdp(invite.body());
  if (!offer) return refuse(400, "Bad Request", "SDP offer: " + offer.error);
  auto plan = media::plan_answer(*offer.sdp, policy_);
  if (plan.outcome == media::Outcome::kRefused) return refuse(plan.code, "Not Acceptable Here", plan.reason);

  auto sock = media::bind_udp(options_.media_address);
  if (!sock) return refuse(500, "Server Internal Error", "media socket: " + sock.error);
  media::StreamConfig stream;
  stream.fd = sock.fd;
  stream.label = std::string(invite.call_id());
  stream.max_packets = options_.max_packets;
  if (auto err = media::connect_udp(sock.fd, plan.remote_address, plan.remote_port); !err.empty()) {
    ::close(sock.fd);
    return refuse(488, "Not Acceptable Here", err);
  }
  media::LocalMedia local;
  local.address = options_.media_address;
  local.port = sock.port;
  local.direction = sip::SdpDirection::kSendOnly;
  std::string error;
  if (plan.outcome == media::Outcome::kSrtpSdes) {
    local.sdes_key = media::generate_sdes_key(plan.remote_key->suite, plan.remote_key->tag);
    if (local.sdes_key) {
      stream.tx = media::SrtpSession::create(local.sdes_key->suite, local.sdes_key->key_salt,
                                             media::SrtpSession::Direction::kSend, error);
      stream.rx = media::SrtpSession::create(plan.remote_key->suite, plan.remote_key->key_salt,
                                             media::SrtpSession::Direction::kReceive, error);
    }
    if (!stream.tx || !stream.rx) {
      ::close(sock.fd);
      return refuse(500, "Server Internal Error", "srtp: " + (error.empty() ? std::string("no random key") : error));
    }
  } else if (plan.outcome == media::Outcome::kSrtpDtls) {
    local.fingerprint = identity_->fingerprint();
    auto role = plan.local_setup == sip::SdpSetup::kActive ? media::DtlsSrtpEndpoint::Role::kClient
                                                           : media::DtlsSrtpEndpoint::Role::kServer;
    stream.dtls = media::DtlsSrtpEndpoint::create(identity_, role, *plan.remote_fingerprint, policy_.suites, error);
    if (!stream.dtls) {
      ::close(sock.fd);
      return refuse(500, "Server Internal Error", "dtls: " + error);
    }
  }
  auto answer = sip::write_sdp(media::build_answer(*offer.sdp, plan, local));
  if (!answer) {
    ::close(sock.fd);
    return refuse(500, "Server Internal Error", "SDP answer: " + answer.error);
  }
  media::record_negotiation(plan.outcome, "answer", source, identity, plan.reason);
  std::string label = stream.label;
  // Registered before the stream starts, so its end (even an immediate one) finds the dialog.
  std::unique_lock lock(mutex_);
  Call& call = calls_[label];
  call = Call{0, std::string(identity), answer.text, std::string(contact), false, {}};
  lock.unlock();
  uint64_t id = pump_.add(std::move(stream));
  lock.lock();
  if (auto it = calls_.find(label); it != calls_.end()) it->second.stream = id;
  lock.unlock();
  return respond(invite, 200, "OK", to_tag, contact, answer.text);
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
      calls_.erase(calls_.find(bye.call_id()));
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
