#pragma once
// Test shorthand over the media factories that return StatusOr: the object, or nullptr with
// the reason in `error`, so a test asserts on the pointer and prints why.
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "media/dtls_srtp.h"
#include "media/srtp_session.h"

namespace imsguard::media::made_for_tests {

template <typename T>
T made(StatusOr<T> result, std::string& error) {
  if (!result.ok()) {
    error = result.message();
    return nullptr;
  }
  return std::move(result).value();
}

inline std::unique_ptr<SrtpSession> make_session(SrtpSuite suite, std::span<const uint8_t> key_salt,
                                                 SrtpSession::Direction direction, std::string& error,
                                                 const SrtpCounters* counters = nullptr) {
  return made(SrtpSession::create(suite, key_salt, direction, counters), error);
}

inline std::shared_ptr<DtlsIdentity> make_identity(std::string& error) { return made(DtlsIdentity::generate(), error); }

inline std::unique_ptr<DtlsSrtpEndpoint> make_endpoint(std::shared_ptr<DtlsIdentity> identity, DtlsSrtpEndpoint::Role role,
                                                       sip::SdpFingerprint remote, const std::vector<SrtpSuite>& suites,
                                                       std::string& error) {
  return made(DtlsSrtpEndpoint::create(std::move(identity), role, std::move(remote), suites), error);
}

}  // namespace imsguard::media::made_for_tests
