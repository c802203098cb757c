#pragma once
// P-CSCF mode with the S-CSCF played by a UDP socket: the client alice and the S-CSCF as two
// loopback peers around an `imsguard run` with roles [edge], what alice writes, how the
// S-CSCF answers, and the call set-up after which the callee's side holds the edge's
// Record-Route token. Shared by the tests of what the edge believes of the core
// (core_trust_e2e_test, trust_boundary_e2e_test).
#include "imsguard_process.h"
#include "sip_socket.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <optional>
#include <string>

namespace imsguard::testkit {

// The next datagram on `peer` that is a response (status > 0) or a request (status 0).
inline std::optional<std::string> next_datagram(UdpPeer& peer, bool want_response,
                                                std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  for (auto got = peer.receive(timeout); got; got = peer.receive(timeout))
    if ((status_of(*got) > 0) == want_response) return got;
  return std::nullopt;
}

struct ScscfAndClient {
  UdpPeer scscf, alice;

  // A request from alice with `extra` header lines (REGISTER to ims.local, else to bob).
  std::string client_request(const std::string& method, const std::string& call_id, const std::string& extra) const {
    std::string port = std::to_string(alice.local_port());
    std::string to = method == "REGISTER" ? "sip:alice@ims.local" : "sip:bob@ims.local";
    return method + " " + (method == "REGISTER" ? std::string("sip:ims.local") : to) +
           " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + port + ";branch=z9hG4bK" + call_id +
           "\r\nMax-Forwards: 70\r\nFrom: <sip:alice@ims.local>;tag=a" + port + "\r\nTo: <" + to +
           ">\r\nCall-ID: " + call_id + "\r\nCSeq: 1 " + method + "\r\nContact: <sip:alice@127.0.0.1:" + port + ">\r\n" +
           extra + "Content-Length: 0\r\n\r\n";
  }

  // The S-CSCF's 200 to `request`, as a UAS builds it (RFC 3261 8.2.6), with `extra` lines.
  static std::string answer_to(const std::string& request, const std::string& extra) {
    std::string out = "SIP/2.0 200 OK\r\n";
    size_t line = request.find("\r\n") + 2;
    while (line < request.size()) {
      size_t end = request.find("\r\n", line);
      std::string h = request.substr(line, end - line);
      if (h.empty()) break;
      std::string name = h.substr(0, h.find(':'));
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (name == "via" || name == "from" || name == "call-id" || name == "cseq") out += h + "\r\n";
      if (name == "to") out += h + ";tag=core1\r\n";
      line = end + 2;
    }
    return out + extra + "Content-Length: 0\r\n\r\n";
  }

  // alice registers through `edge` (the S-CSCF accepts, 200 back to her), then sends an INVITE
  // of `dialog_id`: `rr` gets the Record-Route the S-CSCF saw on it (what the callee sees).
  void register_and_invite(const ImsguardProcess& edge, const std::string& reg_id, const std::string& dialog_id,
                           std::string& rr) {
    ASSERT_TRUE(alice.send(client_request("REGISTER", reg_id, "Expires: 600\r\n"), edge.sip_port()));
    auto reg = next_datagram(scscf, false);
    ASSERT_TRUE(reg) << edge.log();
    ASSERT_TRUE(scscf.send(answer_to(*reg, "P-Associated-URI: <sip:alice@ims.local>\r\nContact: <sip:alice@127.0.0.1:" +
                                               std::to_string(alice.local_port()) + ">;expires=600\r\n"),
                           edge.sip_port()));
    auto registered = next_datagram(alice, true);
    ASSERT_TRUE(registered) << edge.log();
    ASSERT_EQ(status_of(*registered), 200) << *registered;
    ASSERT_TRUE(alice.send(client_request("INVITE", dialog_id, ""), edge.sip_port()));
    auto invite = next_datagram(scscf, false);
    ASSERT_TRUE(invite) << edge.log() << alice.receive(std::chrono::milliseconds(100)).value_or("(alice got nothing)");
    rr = header_of(*invite, "Record-Route");
    ASSERT_NE(rr.find(";igf="), std::string::npos) << *invite;
  }
};

}  // namespace imsguard::testkit
