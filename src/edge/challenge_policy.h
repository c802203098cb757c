#pragma once
// Which Digest challenges a registering client is offered, by its User-Agent. RFC 8760 lets
// a server offer several algorithms, strongest first, and a client pick one it supports;
// some deployed clients do not: baresip 1.0 (libre) gives up on a challenge set in which any
// entry names an algorithm it lacks, sipp 3.6 answers the first entry whatever it says. For
// the products named in auth.md5_only_user_agents the edge removes every challenge but MD5
// (and AKA) from its 401, so the default configuration registers them while every other
// client still gets SHA-256 first. What is *accepted* does not change (auth.digest_algorithms
// decides that for everybody), so a client that lies about its User-Agent gains nothing an
// attacker answering the MD5 challenge of the full set could not already do
// (docs/security-model.md).
#include "config/config.h"
#include "net/flow.h"
#include "sip/message.h"

#include <string>
#include <string_view>

namespace imsguard::edge {

class ChallengePolicy {
 public:
  explicit ChallengePolicy(const config::Config& config) : config_(config) {}

  // True for a request whose User-Agent product (the first token, up to '/' or a space,
  // compared whole and case-insensitively) is listed, while MD5 is an accepted algorithm.
  bool md5_only(const sip::Message& msg) const;

  // `response` without its SHA-256 / SHA-512-256 Digest challenges when it is a 401 or 407
  // that also carries an MD5 or AKA one; anything else unchanged.
  static std::string keep_md5(std::string_view response);

 private:
  const config::Config& config_;
};

// Sends the answers of a handler through ChallengePolicy::keep_md5.
class Md5OnlyResponder final : public net::Responder {
 public:
  explicit Md5OnlyResponder(net::Responder& inner) : inner_(inner) {}
  void send(std::string_view bytes) override { inner_.send(ChallengePolicy::keep_md5(bytes)); }

 private:
  net::Responder& inner_;
};

}  // namespace imsguard::edge
