#include "media/srtp_session.h"

#include <srtp2/srtp.h>

#include <cstring>
#include <mutex>

#include "media/srtp_openssl.h"
#include "ops/counters.h"

#include <spdlog/spdlog.h>

namespace imsguard::media {
namespace {

void set_policy(SrtpSuite suite, srtp_policy_t& p) {
  switch (suite) {
    case SrtpSuite::kAesCm128HmacSha1_80:
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
      break;
    case SrtpSuite::kAesCm128HmacSha1_32:
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p.rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);  // RFC 5764 4.1.2: SRTCP keeps 80 bits
      break;
    case SrtpSuite::kAeadAes128Gcm:
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtcp);
      break;
  }
}

}  // namespace

SrtpCounters::SrtpCounters(ops::CounterRegistry& metrics)
    : auth_failures(metrics.get("imsguard_srtp_auth_failures_total", "SRTP/SRTCP packets that failed authentication")),
      replays(metrics.get("imsguard_srtp_replays_total", "SRTP/SRTCP packets rejected as replays")),
      malformed(metrics.get("imsguard_srtp_malformed_total", "SRTP/SRTCP packets too short to be one")) {}

struct SrtpSession::Ctx {
  srtp_t session = nullptr;
};

std::string_view srtp_status_name(SrtpStatus s) {
  switch (s) {
    case SrtpStatus::kOk: return "ok";
    case SrtpStatus::kAuthFailed: return "auth_failed";
    case SrtpStatus::kReplay: return "replay";
    case SrtpStatus::kMalformed: return "malformed";
    case SrtpStatus::kError: return "error";
  }
  return "error";
}

Status srtp_library_init() {
  static std::once_flag once;
  static Status error;
  std::call_once(once, [] {
    if (srtp_err_status_t s = srtp_init(); s != srtp_err_status_ok) {
      error = internal_error("libsrtp init failed (" + std::to_string(s) + ")");
      return;
    }
    // A refusal keeps libsrtp's own (NSS) types: slower with many sessions, still correct.
    if (std::string why = install_openssl_srtp_primitives(); !why.empty()) spdlog::warn("srtp: {}", why);
  });
  return error;
}

StatusOr<std::unique_ptr<SrtpSession>> SrtpSession::create(SrtpSuite suite, std::span<const uint8_t> key_salt,
                                                           Direction direction, const SrtpCounters* counters) {
  if (Status init = srtp_library_init(); !init.ok()) return init;
  if (key_salt.size() != master_length(suite))
    return invalid_argument(std::string(suite_info(suite).sdes_name) + " needs " +
                            std::to_string(master_length(suite)) + " bytes of master key and salt, got " +
                            std::to_string(key_salt.size()));
  std::unique_ptr<SrtpSession> s(new SrtpSession(suite, direction, counters));
  srtp_policy_t policy;
  std::memset(&policy, 0, sizeof policy);
  set_policy(suite, policy);
  policy.ssrc.type = direction == Direction::kSend ? ssrc_any_outbound : ssrc_any_inbound;
  // libsrtp reads the key through a non-const pointer but does not modify it.
  std::vector<uint8_t> key(key_salt.begin(), key_salt.end());
  policy.key = key.data();
  policy.window_size = 128;
  policy.allow_repeat_tx = 0;
  policy.next = nullptr;
  s->ctx_ = new Ctx;
  if (srtp_err_status_t st = srtp_create(&s->ctx_->session, &policy); st != srtp_err_status_ok) {
    return internal_error("libsrtp: cannot create the session (status " + std::to_string(st) + ")");
  }
  return std::unique_ptr<SrtpSession>(std::move(s));
}

SrtpSession::~SrtpSession() {
  if (ctx_ && ctx_->session) srtp_dealloc(ctx_->session);
  delete ctx_;
}

SrtpStatus SrtpSession::inbound_result(int st) {
  switch (st) {
    case srtp_err_status_ok:
      ++stats_.unprotected_packets;
      return SrtpStatus::kOk;
    case srtp_err_status_auth_fail:
      ++stats_.auth_failures;
      if (counters_) counters_->auth_failures.inc();
      return SrtpStatus::kAuthFailed;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old:
      ++stats_.replays;
      if (counters_) counters_->replays.inc();
      return SrtpStatus::kReplay;
    case srtp_err_status_bad_param:
    case srtp_err_status_parse_err:
      ++stats_.malformed;
      if (counters_) counters_->malformed.inc();
      return SrtpStatus::kMalformed;
    default:
      return SrtpStatus::kError;
  }
}

SrtpStatus SrtpSession::protect_rtp(uint8_t* packet, size_t& len, size_t capacity) {
  if (direction_ != Direction::kSend || len < 12 || capacity < len + kSrtpMaxTrailer || len > 0xffff)
    return SrtpStatus::kMalformed;
  int n = static_cast<int>(len);
  if (srtp_protect(ctx_->session, packet, &n) != srtp_err_status_ok) return SrtpStatus::kError;
  len = static_cast<size_t>(n);
  ++stats_.protected_packets;
  return SrtpStatus::kOk;
}

SrtpStatus SrtpSession::protect_rtcp(uint8_t* packet, size_t& len, size_t capacity) {
  if (direction_ != Direction::kSend || len < 8 || capacity < len + kSrtpMaxTrailer + 4 || len > 0xffff)
    return SrtpStatus::kMalformed;
  int n = static_cast<int>(len);
  if (srtp_protect_rtcp(ctx_->session, packet, &n) != srtp_err_status_ok) return SrtpStatus::kError;
  len = static_cast<size_t>(n);
  ++stats_.protected_packets;
  return SrtpStatus::kOk;
}

SrtpStatus SrtpSession::unprotect_rtp(uint8_t* packet, size_t& len) {
  if (direction_ != Direction::kReceive) return SrtpStatus::kError;
  if (len < 12 || len > 0xffff) return inbound_result(srtp_err_status_bad_param);
  int n = static_cast<int>(len);
  SrtpStatus r = inbound_result(srtp_unprotect(ctx_->session, packet, &n));
  if (r == SrtpStatus::kOk) len = static_cast<size_t>(n);
  return r;
}

SrtpStatus SrtpSession::unprotect_rtcp(uint8_t* packet, size_t& len) {
  if (direction_ != Direction::kReceive) return SrtpStatus::kError;
  if (len < 8 || len > 0xffff) return inbound_result(srtp_err_status_bad_param);
  int n = static_cast<int>(len);
  SrtpStatus r = inbound_result(srtp_unprotect_rtcp(ctx_->session, packet, &n));
  if (r == SrtpStatus::kOk) len = static_cast<size_t>(n);
  return r;
}

SrtpStatus SrtpSession::protect_rtp(std::vector<uint8_t>& p) {
  size_t len = p.size();
  p.resize(len + kSrtpMaxTrailer + 4);
  SrtpStatus s = protect_rtp(p.data(), len, p.size());
  p.resize(len);
  return s;
}

SrtpStatus SrtpSession::protect_rtcp(std::vector<uint8_t>& p) {
  size_t len = p.size();
  p.resize(len + kSrtpMaxTrailer + 4);
  SrtpStatus s = protect_rtcp(p.data(), len, p.size());
  p.resize(len);
  return s;
}

SrtpStatus SrtpSession::unprotect_rtp(std::vector<uint8_t>& p) {
  size_t len = p.size();
  SrtpStatus s = unprotect_rtp(p.data(), len);
  p.resize(len);
  return s;
}

SrtpStatus SrtpSession::unprotect_rtcp(std::vector<uint8_t>& p) {
  size_t len = p.size();
  SrtpStatus s = unprotect_rtcp(p.data(), len);
  p.resize(len);
  return s;
}

}  // namespace imsguard::media
