#pragma once
// Test support: a SIP Digest phone over UDP on loopback, in raw messages (what the operator
// tests need: register, answer a challenge right or wrong, call another phone), so a test
// sees exactly what the edge answers; and register_digest, the same registration over a UDP
// peer the test owns. The one Digest client of the end-to-end tests. Header-only; link
// imsguard_crypto for the Digest maths.
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
    return register_text(address_, peer_.local_port(), user_, to.empty() ? aor() : to, ++n_, extra, expires);
  }

  // The n-th REGISTER of a phone of `user` (of ims.local) at address:port for `aor`.
  static std::string register_text(const std::string& address, uint16_t port, const std::string& user,
                                   const std::string& aor, int n, const std::string& extra, int expires = 600) {
    return "REGISTER sip:ims.local SIP/2.0\r\nVia: SIP/2.0/UDP " + address + ":" + std::to_string(port) +
           ";branch=z9hG4bKdp" + user + std::to_string(n) + "\r\nMax-Forwards: 70\r\nFrom: <" + aor + ">;tag=dp" +
           std::to_string(n) + "\r\nTo: <" + aor + ">\r\nCall-ID: dp-" + user + "-" + std::to_string(port) + "-" +
           std::to_string(n) + "\r\nCSeq: " + std::to_string(n) + " REGISTER\r\nContact: <sip:" + user + "@" + address +
           ":" + std::to_string(port) + ">\r\nExpires: " + std::to_string(expires) + "\r\n" + extra +
           "Content-Length: 0\r\n\r\n";
  }

  // Sends and returns the final answer (nullopt when none came: dropped).
  std::optional<std::string> exchange(const std::string& request,
                                      std::chrono::milliseconds wait = std::chrono::milliseconds(3000)) {
    peer_.send(request, edge_port_);
    return final_answer(peer_, wait);
  }

  // The next final answer on `peer` (provisional answers and requests skipped), nullopt
  // when none came within `wait` of the last datagram.
  static std::optional<std::string> final_answer(UdpPeer& peer, std::chrono::milliseconds wait) {
    auto got = peer.receive(wait);
    while (got && status_of(*got) < 200) got = peer.receive(wait);
    return got;
  }

  static std::optional<crypto::DigestChallenge> challenge_of(const std::string& response) {
    auto parsed = crypto::parse_digest_challenge(header_of(response, "WWW-Authenticate"));
    if (!parsed.ok()) return std::nullopt;
    return *parsed;
  }

  // An Authorization answering `c` as `username` with `password` for REGISTER sip:ims.local
  // (realm: the challenge's, unless `realm` names another), with the qop it offers ("auth"
  // when offered, else the first, auth-int over the empty body; none when it offers none).
  static std::string answer(const crypto::DigestChallenge& c, const std::string& username, const std::string& password,
                            const std::string& realm = {}) {
    const std::string r = realm.empty() ? c.realm : realm;
    std::string qop;
    for (const auto& q : c.qop_options)
      if (qop.empty() || q == "auth") qop = q;
    const std::string nc = qop.empty() ? "" : "00000001", cnonce = qop.empty() ? "" : "0a4f113b";
    std::string ha1 = crypto::digest_ha1(c.algorithm.hash, username, r, password);
    crypto::DigestInput in{c.algorithm, ha1, "REGISTER", "sip:ims.local", c.nonce, nc, cnonce, qop, ""};
    auto response = crypto::digest_response(in);
    if (!response.ok()) return {};
    std::string out = "Authorization: Digest username=\"" + username + "\", realm=\"" + r + "\", nonce=\"" + c.nonce +
                      "\", uri=\"sip:ims.local\", response=\"" + *response +
                      "\", algorithm=" + crypto::digest_algorithm_name(c.algorithm);
    if (!qop.empty()) out += ", qop=" + qop + ", nc=" + nc + ", cnonce=\"" + cnonce + "\"";
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

// Registers `user` (of ims.local) over `peer`, a UDP peer the test owns, as DigestPhone does
// (REGISTER, 401, the answer, 200): password "<user>-secret" unless given. True on 200;
// `last` (if given) gets the last answer ("" when none came).
inline bool register_digest(UdpPeer& peer, uint16_t edge_port, const std::string& user, const std::string& password = {},
                            std::string* last = nullptr) {
  const std::string aor = "sip:" + user + "@ims.local";
  auto exchange = [&](int n, const std::string& authorization) {
    peer.send(DigestPhone::register_text("127.0.0.1", peer.local_port(), user, aor, n, authorization), edge_port);
    std::string got = DigestPhone::final_answer(peer, std::chrono::seconds(5)).value_or("");
    if (last) *last = got;
    return got;
  };
  std::string first = exchange(1, "");
  if (status_of(first) != 401) return false;
  auto c = DigestPhone::challenge_of(first);
  if (!c) return false;
  return status_of(exchange(2, DigestPhone::answer(*c, user + "@ims.local", password.empty() ? user + "-secret" : password))) ==
         200;
}

}  // namespace imsguard::testkit
