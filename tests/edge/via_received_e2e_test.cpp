// The edge tells a client behind a NAT where its requests come from (RFC 3261 18.2.1,
// RFC 3581): raw UDP and TCP peers on 127.0.0.1 send requests whose Via names another
// address or port, as a phone behind a NAT does, and the answers the edge builds itself (the
// 401 of the registrar) and those relayed back from an external S-CSCF (played by a raw UDP
// socket) carry received=127.0.0.1 and, when asked for, rport=<the peer's port>.
#include "imsguard_process.h"
#include "sip_socket.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

// A REGISTER as a client behind a NAT writes it: its private address in Via and Contact.
std::string nat_register(const std::string& transport, const std::string& via_params, const std::string& call_id) {
  return "REGISTER sip:ims.local SIP/2.0\r\nVia: SIP/2.0/" + transport + " 192.168.1.20:5062;branch=z9hG4bK" + call_id +
         via_params + "\r\nMax-Forwards: 70\r\nFrom: <sip:nat@ims.local>;tag=" + call_id +
         "\r\nTo: <sip:nat@ims.local>\r\nCall-ID: " + call_id +
         "\r\nCSeq: 1 REGISTER\r\nContact: <sip:nat@192.168.1.20:5062>\r\nExpires: 600\r\nContent-Length: 0\r\n\r\n";
}

// The next datagram that is a response; requests (keep-alives) are skipped.
std::optional<std::string> next_response(UdpPeer& peer, std::chrono::milliseconds timeout) {
  for (auto got = peer.receive(timeout); got; got = peer.receive(timeout))
    if (status_of(*got) > 0) return got;
  return std::nullopt;
}

std::string expected_via(const std::string& transport, const std::string& call_id, const std::string& annotation) {
  return "SIP/2.0/" + transport + " 192.168.1.20:5062;branch=z9hG4bK" + call_id + annotation;
}

class ViaReceivedE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    ImsguardOptions o;
    o.tls = false;
    ASSERT_TRUE(edge_.start(o)) << edge_.log();
  }
  ImsguardProcess edge_;
};

TEST_F(ViaReceivedE2e, A401OverUdpCarriesTheSourceAddressAndThePortWhenAskedFor) {
  UdpPeer client;
  // The top Via of the edge's answer, or what went wrong instead.
  auto top_via_of_401 = [&](const std::string& via_params, const std::string& call_id) -> std::string {
    if (!client.send(nat_register("UDP", via_params, call_id), edge_.sip_port())) return "(not sent)";
    auto answer = next_response(client, 5s);
    if (!answer) return "(no answer)";
    return status_of(*answer) == 401 ? header_of(*answer, "Via") : *answer;
  };
  EXPECT_EQ(top_via_of_401(";rport", "vr-udp-1"),
            expected_via("UDP", "vr-udp-1", ";received=127.0.0.1;rport=" + std::to_string(client.local_port())))
      << edge_.log();
  // Without rport, a sent-by host that is not the source gets received only.
  EXPECT_EQ(top_via_of_401("", "vr-udp-2"), expected_via("UDP", "vr-udp-2", ";received=127.0.0.1")) << edge_.log();
}

TEST_F(ViaReceivedE2e, A401OverTcpCarriesTheConnectionsAddressAndPort) {
  TcpPeer client;
  ASSERT_TRUE(client.connect(edge_.sip_port()));
  // A stale rport value (as a previous hop would have left it) is replaced, not kept beside ours.
  ASSERT_TRUE(client.send(nat_register("TCP", ";rport=1111", "vr-tcp-1")));
  auto answer = client.receive_message(5s);
  ASSERT_TRUE(answer) << edge_.log();
  EXPECT_EQ(status_of(*answer), 401) << *answer;
  EXPECT_EQ(header_of(*answer, "Via"),
            expected_via("TCP", "vr-tcp-1", ";received=127.0.0.1;rport=" + std::to_string(client.local_port())))
      << *answer;
}

// The edge as a P-CSCF before an external S-CSCF played by a raw UDP socket.
class ViaReceivedExternalCoreE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    ImsguardOptions o;
    o.tls = false;
    o.roles = "[edge]";
    o.extra_yaml = "core: { scscf: \"sip:127.0.0.1:" + std::to_string(scscf_.local_port()) + "\" }\n";
    ASSERT_TRUE(edge_.start(o)) << edge_.log();
  }
  UdpPeer scscf_, client_;
  ImsguardProcess edge_;
};

TEST_F(ViaReceivedExternalCoreE2e, TheRelayedRegisterAndTheAnswerBackCarryTheClientsSource) {
  ASSERT_TRUE(client_.send(nat_register("UDP", ";rport", "vr-ext-1"), edge_.sip_port()));
  std::optional<std::string> relayed = scscf_.receive(5s);
  while (relayed && status_of(*relayed) > 0) relayed = scscf_.receive(5s);
  ASSERT_TRUE(relayed) << edge_.log();
  ASSERT_EQ(relayed->rfind("REGISTER ", 0), 0u) << *relayed;
  std::string annotated = expected_via("UDP", "vr-ext-1", ";received=127.0.0.1;rport=" + std::to_string(client_.local_port()));
  // The edge's own Via on top, the client's annotated one below it.
  size_t edge_via = relayed->find("\r\nVia: SIP/2.0/UDP ");
  size_t client_via = relayed->find("\r\nVia: " + annotated + "\r\n");
  EXPECT_NE(edge_via, std::string::npos) << *relayed;
  EXPECT_NE(client_via, std::string::npos) << *relayed;
  EXPECT_LT(edge_via, client_via) << *relayed;
  EXPECT_EQ(relayed->find(";rport;"), std::string::npos) << "the flag was replaced by its value: " << *relayed;
  // The S-CSCF answers with the request's header fields, as a UAS copies Via (RFC 3261 8.2.6).
  std::string answer_from_core = "SIP/2.0 403 Forbidden\r\n" + relayed->substr(relayed->find("\r\n") + 2);
  ASSERT_TRUE(scscf_.send(answer_from_core, edge_.sip_port()));
  auto answer = next_response(client_, 5s);
  ASSERT_TRUE(answer) << edge_.log();
  EXPECT_EQ(status_of(*answer), 403) << *answer;
  // The edge popped its Via: the client's, annotated, is the top one.
  EXPECT_EQ(header_of(*answer, "Via"), annotated) << *answer;
}

}  // namespace
