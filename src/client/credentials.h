#pragma once
// The UE's secret and how it answers a challenge: an IP client's password (SIP Digest,
// RFC 7616/8760) or a USIM (K and OPc, IMS AKA, RFC 3310). The USIM side checks AUTN before
// answering, because in AKA the network must prove itself too: a challenge whose MAC does
// not verify comes from somebody who does not know K, and the client must not answer it.
#include "crypto/aka.h"
#include "crypto/digest.h"
#include "crypto/milenage.h"
#include "sip/message.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace imsguard::client {

struct UsimProfile {
  crypto::Key k{};
  crypto::Key opc{};
  std::optional<crypto::Amf> expected_amf;  // when set, a challenge with another AMF is refused
  uint64_t sqn_ms = 0;  // the USIM has accepted SEQs up to this one's, in every IND slot
};

struct Credentials {
  std::string impi;   // Digest username
  std::string realm;  // only challenges for this realm are answered
  std::optional<std::string> password;  // IP client
  std::optional<UsimProfile> usim;      // SIM client
};

enum class AnswerStatus {
  kOk,                  // `header_value` answers the challenge
  kResync,              // the USIM found the SQN stale: `header_value` carries auts=
  kNoUsableChallenge,   // nothing we can answer (other realm, scheme or algorithm)
  kNetworkAuthFailed,   // AKA: AUTN's MAC does not verify: the network is not genuine
  kRefused,             // AKA: AMF not the expected one; malformed nonce
  kInternalError,       // OpenSSL failed
};

struct Answer {
  AnswerStatus status = AnswerStatus::kInternalError;
  std::string header_name;   // "Authorization" or "Proxy-Authorization"
  std::string header_value;  // kOk, kResync
  bool stale = false;        // the challenge said stale=true (our last answer was fine, the nonce old)
  std::string error;         // otherwise: one line saying why
};

// Keeps the challenge it answered last, so refreshes can reuse the nonce with the next nc
// (saving a round trip) until the server asks again.
class ChallengeAnswerer {
 public:
  explicit ChallengeAnswerer(Credentials credentials);

  // Answers the first usable challenge of a 401 (WWW-Authenticate) or 407
  // (Proxy-Authenticate), in the order the server listed them (RFC 8760: its preference).
  Answer answer(const sip::Message& response, std::string_view method, std::string_view uri,
                std::string_view body);
  // Credentials from the last answered challenge with nc + 1; nullopt when there is none
  // (or it was a resync, which cannot be reused).
  std::optional<Answer> reuse(std::string_view method, std::string_view uri, std::string_view body);
  void forget() { last_.reset(); }

  // TS 24.229 5.1.1.2: the initial REGISTER of an IMS UE names its IMPI with empty nonce and
  // response, so the network knows which subscriber (and scheme) to challenge.
  std::string initial_authorization(std::string_view uri) const;

  bool is_aka() const { return credentials_.usim.has_value(); }
  // The USIM's highest accepted SQN (after successful challenges).
  uint64_t sqn_ms() const { return window_.sqn_ms(); }

 private:
  struct Accepted {
    std::string header_name;
    std::string realm, nonce, opaque, qop;
    crypto::DigestAlgorithm algorithm;
    std::string ha1;
    uint32_t nc = 0;
  };
  bool usable(const crypto::DigestAlgorithm& alg) const;
  Answer compute(Accepted& a, std::string_view method, std::string_view uri, std::string_view body,
                 std::string_view auts);
  Answer answer_aka(Accepted a, std::string_view method, std::string_view uri, std::string_view body);

  Credentials credentials_;
  crypto::SqnWindow window_;
  std::optional<Accepted> last_;
};

// A random lowercase-hex token of `bytes` random octets (cnonce, tags, branches, Call-IDs).
std::string random_token(size_t bytes = 8);

}  // namespace imsguard::client
