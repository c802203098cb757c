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
        calls_.erase(r.label);
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
  uint64_t id = pump_.add(std::move(stream));
  {
    std::lock_guard lock(mutex_);
    calls_[label] = id;
  }
  return respond(invite, 200, "OK", to_tag, contact, answer.text);
}

std::string MediaService::handle_bye(const sip::Message& bye, std::string_view to_tag) {
  std::optional<uint64_t> id;
  {
    std::lock_guard lock(mutex_);
    auto it = calls_.find(std::string(bye.call_id()));
    if (it != calls_.end()) id = it->second;
  }
  if (!id) return respond(bye, 481, "Call/Transaction Does Not Exist", to_tag);
  pump_.end(*id, "bye");
  return respond(bye, 200, "OK", to_tag);
}

}  // namespace imsguard::service
