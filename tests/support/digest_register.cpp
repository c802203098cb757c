#include "digest_register.h"

#include <chrono>

#include "crypto/digest.h"
#include "crypto/digest_header.h"

namespace imsguard::testkit {
namespace {

std::string register_request(const UdpPeer& peer, const std::string& user, int cseq, const std::string& authorization) {
  std::string port = std::to_string(peer.local_port());
  return "REGISTER sip:ims.local SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + port + ";branch=z9hG4bKreg" + user +
         std::to_string(cseq) + "\r\nMax-Forwards: 70\r\nFrom: <sip:" + user + "@ims.local>;tag=r" + port +
         "\r\nTo: <sip:" + user + "@ims.local>\r\nCall-ID: reg-" + user + "-" + port + "\r\nCSeq: " +
         std::to_string(cseq) + " REGISTER\r\nContact: <sip:" + user + "@127.0.0.1:" + port + ">\r\nExpires: 600\r\n" +
         authorization + "Content-Length: 0\r\n\r\n";
}

// The next final response (provisional ones and requests skipped), or "".
std::string final_response(UdpPeer& peer) {
  for (auto got = peer.receive(std::chrono::seconds(5)); got; got = peer.receive(std::chrono::seconds(5)))
    if (status_of(*got) >= 200) return *got;
  return {};
}

}  // namespace

bool register_digest(UdpPeer& peer, uint16_t edge_port, const std::string& user, const std::string& password,
                     std::string* last) {
  std::string secret = password.empty() ? user + "-secret" : password;
  peer.send(register_request(peer, user, 1, ""), edge_port);
  std::string challenge = final_response(peer);
  if (last) *last = challenge;
  if (status_of(challenge) != 401) return false;
  auto parsed = crypto::parse_digest_challenge(header_of(challenge, "WWW-Authenticate"));
  if (!parsed.ok()) return false;
  const auto& c = *parsed;
  std::string impi = user + "@ims.local";
  std::string ha1 = crypto::digest_ha1(c.algorithm.hash, impi, c.realm, secret);
  crypto::DigestInput in{c.algorithm, ha1, "REGISTER", "sip:ims.local", c.nonce, "00000001", "0a4f113b", "auth", ""};
  auto response = crypto::digest_response(in);
  if (!response.ok()) return false;
  std::string authorization = "Authorization: Digest username=\"" + impi + "\", realm=\"" + c.realm + "\", nonce=\"" +
                              c.nonce + "\", uri=\"sip:ims.local\", response=\"" + *response + "\", algorithm=" +
                              crypto::digest_algorithm_name(c.algorithm) +
                              ", qop=auth, nc=00000001, cnonce=\"0a4f113b\"\r\n";
  peer.send(register_request(peer, user, 2, authorization), edge_port);
  std::string ok = final_response(peer);
  if (last) *last = ok;
  return status_of(ok) == 200;
}

}  // namespace imsguard::testkit
