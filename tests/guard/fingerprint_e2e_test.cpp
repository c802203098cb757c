// Scanner fingerprints on a real `imsguard run` (issue 17, F16): a phone whose User-Agent
// only contains a tool's name as part of another product token ("MyCorp SIPClient" holds
// "sipcli") is served, not banned for an hour; a real tool's product token is still dropped
// and banned. (tests/guard/sipvicious_e2e_test.cpp runs the real sipvicious tools.)
#include "e2e_sip.h"

#include <gtest/gtest.h>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

class FingerprintE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    ImsguardOptions o;
    o.tls = false;
    ASSERT_TRUE(edge_.start(o)) << edge_.log();
  }
  // A REGISTER without credentials and then an OPTIONS with User-Agent `ua` from `peer`: the
  // statuses of the answers (0: none).
  std::pair<int, int> probe(UdpPeer& peer, const std::string& ua, const std::string& tag) {
    std::string h = "User-Agent: " + ua + "\r\nContact: <sip:u@127.0.0.1:" + std::to_string(peer.local_port()) + ">\r\n";
    peer.send(sip_request("REGISTER", "sip:ims.local", "sip:carol@ims.local", peer.local_port(), 1, tag + "-r", h),
              edge_.sip_port());
    auto r = next_response(peer, 2s);
    peer.send(sip_request("OPTIONS", "sip:127.0.0.1", "sip:carol@ims.local", peer.local_port(), 1, tag + "-o",
                          "User-Agent: Acme/1.0\r\n"),
              edge_.sip_port());
    auto o = next_response(peer, 2s);
    return {r ? status_of(*r) : 0, o ? status_of(*o) : 0};
  }
  ImsguardProcess edge_;
};

TEST_F(FingerprintE2e, AProductTokenThatContainsAToolsNameIsServed) {
  for (const char* ua : {"MyCorp SIPClient/2.1", "Smapphone/3 (Android)", "Nmapped-Phone/1"}) {
    UdpPeer phone;
    auto [reg, opt] = probe(phone, ua, std::string("fp-") + std::to_string(phone.local_port()));
    EXPECT_EQ(reg, 401) << ua << "\n" << edge_.events();
    EXPECT_EQ(opt, 200) << ua << " was banned\n" << edge_.events();
  }
  EXPECT_EQ(edge_.events().find("\"guard\":\"scanner\""), std::string::npos) << edge_.events();
}

TEST_F(FingerprintE2e, AToolsProductTokenIsDroppedAndBanned) {
  UdpPeer tool("127.0.0.7");
  auto [reg, opt] = probe(tool, "sipcli/v1.8", "fp-tool");
  EXPECT_EQ(reg, 0) << "a scanner is never answered";
  EXPECT_EQ(opt, 0) << "its source is banned";
  std::string events = edge_.events();
  EXPECT_NE(events.find("\"guard\":\"scanner\",\"source\":\"udp:127.0.0.7:"), std::string::npos) << events;
  EXPECT_NE(events.find("\"action\":\"ban\""), std::string::npos) << events;
}

}  // namespace
