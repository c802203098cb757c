#pragma once
// Test support for the edge's e2e attack tests: a SIP Digest phone on a raw UDP socket. It
// registers any Contacts it is told to (an attacker's phone as much as a real one), answers a
// 401 or 407 with the right Authorization or Proxy-Authorization, reuses a nonce with the next
// nc as phones do, and sends requests outside a dialog. What it sends is plain text, so a test
// sees exactly what crossed the wire.
#include "sip_socket.h"

#include "crypto/digest.h"
#include "crypto/digest_header.h"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace imsguard::testkit {

class RawDigestPhone {
 public:
  RawDigestPhone(std::string user, std::string password, uint16_t edge_port, std::string domain = "ims.local")
      : user_(std::move(user)), password_(std::move(password)), domain_(std::move(domain)), edge_port_(edge_port) {}

  UdpPeer& socket() { return peer_; }
  uint16_t port() const { return peer_.local_port(); }
  std::string aor() const { return "sip:" + user_ + "@" + domain_; }
  std::string impi() const { return user_ + "@" + domain_; }
  // This phone's own Contact URI on its socket.
  std::string own_contact() const { return "sip:" + user_ + "@127.0.0.1:" + std::to_string(port()); }

  // REGISTER binding `contacts` (URIs, no brackets; "*": all; empty: a fetch), answering one 401. The
  // final response, or nullopt when none came.
  std::optional<std::string> register_contacts(const std::vector<std::string>& contacts, int expires = 600) {
    std::string contact_lines;
    for (const auto& c : contacts) contact_lines += c == "*" ? "Contact: *\r\n" : "Contact: <" + c + ">\r\n";
    return transact("REGISTER", "sip:" + domain_, "To: <" + aor() + ">\r\n", contact_lines + "Expires: " +
                    std::to_string(expires) + "\r\n", "", "reg-" + user_ + "-" + std::to_string(port()));
  }
  bool register_self(int expires = 600) {
    auto r = register_contacts({own_contact()}, expires);
    return r && status_of(*r) == 200;
  }

  // A request outside a dialog to `target` (a SIP URI), answering one 401/407 when
  // `answer_challenge`. The final response (or the challenge, when not answered).
  std::optional<std::string> request(const std::string& method, const std::string& target, const std::string& extra = "",
                                     const std::string& body = "hello", bool answer_challenge = true) {
    std::string call_id = method + "-" + user_ + "-" + std::to_string(port()) + "-" + std::to_string(++calls_);
    std::string headers = "To: <" + target + ">\r\n" + extra;
    if (!body.empty()) headers += "Content-Type: text/plain\r\n";
    return transact(method, target, headers, "", body, call_id, answer_challenge);
  }

  // The next datagram that is a response (status > 0) or a request (status 0).
  std::optional<std::string> next(bool want_response, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    for (auto got = peer_.receive(timeout); got; got = peer_.receive(timeout))
      if ((status_of(*got) > 0) == want_response) return got;
    return std::nullopt;
  }

  // The request line and headers this phone would send (no credentials), for tests that send
  // it from elsewhere (a spoofed source).
  std::string build(const std::string& method, const std::string& uri, const std::string& headers,
                    const std::string& body, const std::string& call_id, const std::string& auth = "") {
    std::string p = std::to_string(port());
    std::string m = method + " " + uri + " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + p + ";rport;branch=z9hG4bK" +
                    user_ + p + "b" + std::to_string(++branches_) + "\r\nMax-Forwards: 70\r\nFrom: <" + aor() +
                    ">;tag=t" + p + "\r\n" + headers + "Call-ID: " + call_id + "\r\nCSeq: " +
                    std::to_string(++cseq_) + " " + method + "\r\n" + auth;
    m += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    return m;
  }

  // Authorization (401) or Proxy-Authorization (407) answering `challenge_response` for
  // method and uri, a full header line; empty when the challenge cannot be answered.
  std::string answer(const std::string& challenge_response, const std::string& method, const std::string& uri,
                     const std::string& body = "") {
    bool proxy = status_of(challenge_response) == 407;
    auto c = imsguard::crypto::parse_digest_challenge(
        header_of(challenge_response, proxy ? "Proxy-Authenticate" : "WWW-Authenticate"));
    if (!c.ok()) return {};
    cached_ = c.value();
    cached_proxy_ = proxy;
    nc_ = 0;
    return credentials(method, uri, body);
  }

  // Answers a request it received with 200 OK, as a UAS does (RFC 3261 8.2.6): Via, From,
  // Call-ID and CSeq copied, a To tag added. False when `request` is not one.
  bool answer_ok(const std::string& request) {
    if (status_of(request) != 0) return false;
    std::string out = "SIP/2.0 200 OK\r\n";
    size_t line = request.find("\r\n");
    if (line == std::string::npos) return false;
    for (line += 2; line < request.size();) {
      size_t end = request.find("\r\n", line);
      if (end == std::string::npos || end == line) break;
      std::string h = request.substr(line, end - line);
      std::string name = h.substr(0, h.find(':'));
      for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (name == "via" || name == "v" || name == "from" || name == "f" || name == "call-id" || name == "i" ||
          name == "cseq")
        out += h + "\r\n";
      else if (name == "to" || name == "t")
        out += h + (h.find(";tag=") == std::string::npos ? ";tag=ok" + std::to_string(port()) : "") + "\r\n";
      line = end + 2;
    }
    out += "Content-Length: 0\r\n\r\n";
    return peer_.send(out, edge_port_);
  }

  size_t sent() const { return cseq_; }

 private:
  std::string credentials(const std::string& method, const std::string& uri, const std::string& body) {
    if (!cached_) return {};
    const auto& c = *cached_;
    std::string ha1 = imsguard::crypto::digest_ha1(c.algorithm.hash, impi(), c.realm, password_);
    char nc[9];
    std::snprintf(nc, sizeof nc, "%08x", ++nc_);
    imsguard::crypto::DigestInput in{c.algorithm, ha1, method, uri, c.nonce, nc, "0a4f113b", "auth", body};
    auto response = imsguard::crypto::digest_response(in);
    if (!response.ok()) return {};
    return std::string(cached_proxy_ ? "Proxy-Authorization" : "Authorization") + ": Digest username=\"" + impi() +
           "\", realm=\"" + c.realm + "\", nonce=\"" + c.nonce + "\", uri=\"" + uri + "\", response=\"" +
           response.value() + "\", algorithm=" + imsguard::crypto::digest_algorithm_name(c.algorithm) +
           ", qop=auth, nc=" + nc + ", cnonce=\"0a4f113b\"\r\n";
  }

  std::optional<std::string> transact(const std::string& method, const std::string& uri, const std::string& headers,
                                      const std::string& tail, const std::string& body, const std::string& call_id,
                                      bool answer_challenge = true) {
    // A REGISTER reuses the last challenge (next nc), as phones refresh; a request sends none first.
    std::string auth = method == "REGISTER" && cached_ && !cached_proxy_ ? credentials(method, uri, body) : "";
    for (int attempt = 0; attempt < 3; ++attempt) {
      if (!peer_.send(build(method, uri, headers + tail, body, call_id, auth), edge_port_)) return std::nullopt;
      auto r = next(true);
      while (r && status_of(*r) < 200) r = next(true);
      if (!r) return std::nullopt;
      int code = status_of(*r);
      if ((code != 401 && code != 407) || !answer_challenge) return r;
      auth = answer(*r, method, uri, body);
      if (auth.empty()) return r;
    }
    return std::nullopt;
  }

  std::string user_, password_, domain_;
  uint16_t edge_port_;
  UdpPeer peer_;
  std::optional<imsguard::crypto::DigestChallenge> cached_;
  bool cached_proxy_ = false;
  uint32_t nc_ = 0;
  uint32_t cseq_ = 0, branches_ = 0, calls_ = 0;
};

}  // namespace imsguard::testkit
