#pragma once
// Test support: a SIP Digest phone over UDP on loopback, in raw messages (what the operator
// tests need: register, answer a challenge right or wrong, call another phone), so a test
// sees exactly what the edge answers. Header-only; link imsguard_crypto for the Digest maths.
#include "crypto/digest.h"
#include "crypto/digest_header.h"
#include "crypto/hash.h"
#include "sip_socket.h"

#include <chrono>
#include <optional>
#include <string>

namespace imsguard::testkit {

class DigestPhone {
 public:
  DigestPhone(std::string user, uint16_t edge_port, std::string bind_address = "127.0.0.1")
      : peer_(bind_address), user_(std::move(user)), address_(std::move(bind_address)), edge_port_(edge_port) {}

  std::string impi() const { return user_ + "@ims.local"; }
  std::string aor() const { return "sip:" + impi(); }
  std::string contact() const { return "sip:" + user_ + "@" + address_ + ":" + std::to_string(peer_.local_port()); }
  UdpPeer& peer() { return peer_; }

  // A REGISTER for `to` (default: this phone's AoR) with `extra` header lines.
  std::string register_request(const std::string& extra, const std::string& to = {}, int expires = 600) {
    std::string aor = to.empty() ? this->aor() : to;
    ++n_;
    return "REGISTER sip:ims.local SIP/2.0\r\nVia: SIP/2.0/UDP " + address_ + ":" + std::to_string(peer_.local_port()) +
           ";branch=z9hG4bKdp" + user_ + std::to_string(n_) + "\r\nMax-Forwards: 70\r\nFrom: <" + aor + ">;tag=dp" +
           std::to_string(n_) + "\r\nTo: <" + aor + ">\r\nCall-ID: dp-" + user_ + "-" +
           std::to_string(peer_.local_port()) + "-" + std::to_string(n_) + "\r\nCSeq: " + std::to_string(n_) +
           " REGISTER\r\nContact: <" + contact() + ">\r\nExpires: " + std::to_string(expires) + "\r\n" + extra +
           "Content-Length: 0\r\n\r\n";
  }

  // Sends and returns the final answer (nullopt when none came: dropped).
  std::optional<std::string> exchange(const std::string& request,
                                      std::chrono::milliseconds wait = std::chrono::milliseconds(3000)) {
    peer_.send(request, edge_port_);
    auto got = peer_.receive(wait);
    while (got && status_of(*got) < 200) got = peer_.receive(wait);
    return got;
  }

  static std::optional<crypto::DigestChallenge> challenge_of(const std::string& response) {
    auto parsed = crypto::parse_digest_challenge(header_of(response, "WWW-Authenticate"));
    if (!parsed.ok()) return std::nullopt;
    return *parsed;
  }

  // An Authorization answering `c` as `username` with `password` (realm: the challenge's,
  // unless `realm` names another).
  static std::string answer(const crypto::DigestChallenge& c, const std::string& username, const std::string& password,
                            const std::string& realm = {}) {
    const std::string r = realm.empty() ? c.realm : realm;
    std::string ha1 = crypto::digest_ha1(c.algorithm.hash, username, r, password);
    crypto::DigestInput in{c.algorithm, ha1, "REGISTER", "sip:ims.local", c.nonce, "00000001", "0a4f113b", "auth", ""};
    auto response = crypto::digest_response(in);
    if (!response.ok()) return {};
    std::string out = "Authorization: Digest username=\"" + username + "\", realm=\"" + r + "\", nonce=\"" + c.nonce +
                      "\", uri=\"sip:ims.local\", response=\"" + *response +
                      "\", algorithm=" + crypto::digest_algorithm_name(c.algorithm) +
                      ", qop=auth, nc=00000001, cnonce=\"0a4f113b\"";
    if (!c.opaque.empty()) out += ", opaque=\"" + c.opaque + "\"";
    return out + "\r\n";
  }

  // Registers with `password` (challenge, then the answer): the final status (0: no answer).
  int register_with(const std::string& password, int expires = 600) {
    auto first = exchange(register_request("", {}, expires));
    if (!first) return 0;
    if (status_of(*first) != 401) return status_of(*first);
    auto c = challenge_of(*first);
    if (!c) return -1;
    auto r = exchange(register_request(answer(*c, impi(), password), {}, expires));
    return r ? status_of(*r) : 0;
  }

 private:
  UdpPeer peer_;
  std::string user_;
  std::string address_;
  uint16_t edge_port_;
  int n_ = 0;
};

}  // namespace imsguard::testkit
