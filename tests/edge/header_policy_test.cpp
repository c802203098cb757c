// The header policy table: which header fields cross which boundary, names compared as RFC
// 3261 7.3.1 says (any case, compact forms), one event per message.
#include "edge/header_policy.h"
#include "../support/test_telemetry.h"

#include "sip/parser.h"

#include <gtest/gtest.h>

namespace imsguard::edge {
namespace {

// A message whose network-asserted headers are written the way an attacker would: odd case,
// compact forms, headers the parser has no id for.
const char* kRequest =
    "MESSAGE sip:bob@ims.local SIP/2.0\r\n"
    "v: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bKhp1\r\n"
    "f: <sip:alice@ims.local>;tag=1\r\nt: <sip:bob@ims.local>\r\ni: hp1\r\nCSeq: 1 MESSAGE\r\n"
    "Max-Forwards: 70\r\n"
    "p-asserted-identity: <sip:bank@ims.local>\r\n"
    "P-PREFERRED-IDENTITY: <sip:alice@ims.local>\r\n"
    "y: forged-passport;info=<https://evil.example/cert>\r\n"
    "REMOTE-PARTY-ID: \"Bank\" <sip:bank@ims.local>;party=calling;screen=yes;privacy=off\r\n"
    "P-Charging-Vector: icid-value=1\r\n"
    "P-Charging-Function-Addresses: ccf=192.0.2.1\r\n"
    "P-Access-Network-Info: 3GPP-E-UTRAN-FDD; utran-cell-id-3gpp=001010001\r\n"
    "p-called-party-id: <sip:premium@ims.local>\r\n"
    "P-Served-User: <sip:bank@ims.local>\r\n"
    "Service-Route: <sip:evil@192.0.2.66;lr>\r\n"
    "Subject: kept\r\nPrivacy: none\r\n"
    "Content-Length: 0\r\n\r\n";

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

TEST(HeaderPolicy, AClientRequestLosesEveryNetworkAssertedHeaderInAnySpelling) {
  test::Telemetry t;
  HeaderPolicyStats stats(t.metrics, t.events);
  sip::Message msg;
  ASSERT_EQ(sip::parse_datagram(kRequest, sip::Limits{}, msg).status, sip::ParseStatus::kOk);
  sip::MessageWriter w(msg);
  EXPECT_EQ(apply_header_policy(stats, Crossing::kClientRequest, msg, w, "udp:192.0.2.7:5060", "alice"), 10u);
  std::string out = lower(w.str());
  for (const char* gone : {"p-asserted-identity", "p-preferred-identity", "\r\ny:", "remote-party-id",
                           "p-charging-vector", "p-charging-function-addresses", "p-access-network-info",
                           "p-called-party-id", "p-served-user", "service-route"})
    EXPECT_EQ(out.find(gone), std::string::npos) << gone << "\n" << out;
  for (const char* kept : {"subject: kept", "privacy: none", "\r\nf: <sip:alice", "\r\ni: hp1"})
    EXPECT_NE(out.find(kept), std::string::npos) << kept << "\n" << out;
}

TEST(HeaderPolicy, OnlyTheCoresAnswerMayAssert) {
  test::Telemetry t;
  HeaderPolicyStats stats(t.metrics, t.events);
  const char* response =
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bKhp2\r\n"
      "From: <sip:alice@ims.local>;tag=1\r\nTo: <sip:alice@ims.local>;tag=2\r\nCall-ID: hp2\r\nCSeq: 1 REGISTER\r\n"
      "P-Asserted-Identity: <sip:bank@ims.local>\r\nP-Associated-URI: <sip:bank@ims.local>\r\n"
      "Service-Route: <sip:orig@scscf.ims.local;lr>\r\nPath: <sip:term@pcscf.ims.local;lr>\r\n"
      "Remote-Party-ID: <sip:bank@ims.local>;screen=yes\r\nP-Charging-Vector: icid-value=2\r\n"
      "Content-Length: 0\r\n\r\n";
  sip::Message msg;
  ASSERT_EQ(sip::parse_datagram(response, sip::Limits{}, msg).status, sip::ParseStatus::kOk);
  {
    sip::MessageWriter w(msg);
    EXPECT_EQ(apply_header_policy(stats, Crossing::kUntrustedResponse, msg, w, "callee", {}), 6u);
    std::string out = w.str();
    for (const char* gone : {"P-Asserted-Identity", "P-Associated-URI", "Service-Route", "Path:", "Remote-Party-ID",
                             "P-Charging-Vector"})
      EXPECT_EQ(out.find(gone), std::string::npos) << gone << "\n" << out;
  }
  {
    sip::MessageWriter w(msg);
    EXPECT_EQ(apply_header_policy(stats, Crossing::kCoreResponse, msg, w, "core", {}), 1u);
    std::string out = w.str();
    for (const char* kept : {"P-Asserted-Identity", "P-Associated-URI", "Service-Route", "Path:", "Remote-Party-ID"})
      EXPECT_NE(out.find(kept), std::string::npos) << kept << "\n" << out;
    EXPECT_EQ(out.find("P-Charging-Vector"), std::string::npos) << out;  // never toward a UE
  }
}

TEST(HeaderPolicy, TheTable) {
  test::Telemetry t;
  HeaderPolicyStats stats(t.metrics, t.events);
  // From the core to a client: the identity stays, the network's bookkeeping does not.
  EXPECT_TRUE(header_may_cross(Crossing::kRequestToClient, "P-Asserted-Identity"));
  EXPECT_TRUE(header_may_cross(Crossing::kRequestToClient, "P-Called-Party-ID"));
  EXPECT_TRUE(header_may_cross(Crossing::kRequestToClient, "y"));
  EXPECT_FALSE(header_may_cross(Crossing::kRequestToClient, "p-charging-vector"));
  EXPECT_FALSE(header_may_cross(Crossing::kRequestToClient, "P-Served-User"));
  EXPECT_FALSE(header_may_cross(Crossing::kRequestToClient, "imsguard-peer-auth"));
  // From a client, in any case or form.
  EXPECT_FALSE(header_may_cross(Crossing::kClientRequest, "IDENTITY"));
  EXPECT_FALSE(header_may_cross(Crossing::kClientRequest, "Y"));
  EXPECT_FALSE(header_may_cross(Crossing::kClientRequest, "n"));  // Identity-Info
  EXPECT_FALSE(header_may_cross(Crossing::kClientRequest, "remote-party-id"));
  EXPECT_FALSE(header_may_cross(Crossing::kClientRequest, "Path"));
  EXPECT_TRUE(header_may_cross(Crossing::kClientRequest, "Contact"));
  EXPECT_TRUE(header_may_cross(Crossing::kClientRequest, "m"));
  EXPECT_TRUE(header_may_cross(Crossing::kClientRequest, "Privacy"));
  EXPECT_TRUE(header_may_cross(Crossing::kClientRequest, "X-Anything"));
}

TEST(HeaderPolicy, NothingToRemoveLeavesTheBytesAlone) {
  test::Telemetry t;
  HeaderPolicyStats stats(t.metrics, t.events);
  const char* clean =
      "MESSAGE sip:bob@ims.local SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bKhp3\r\n"
      "From: <sip:alice@ims.local>;tag=1\r\nTo: <sip:bob@ims.local>\r\nCall-ID: hp3\r\nCSeq: 1 MESSAGE\r\n"
      "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
  sip::Message msg;
  ASSERT_EQ(sip::parse_datagram(clean, sip::Limits{}, msg).status, sip::ParseStatus::kOk);
  sip::MessageWriter w(msg);
  EXPECT_EQ(apply_header_policy(stats, Crossing::kClientRequest, msg, w, "x", {}), 0u);
  EXPECT_EQ(w.str(), clean);
}

}  // namespace
}  // namespace imsguard::edge
