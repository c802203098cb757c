// UDP source spoofing against the guards (issue 17, F8(b)) on a real `imsguard run`: a raw
// socket sends datagrams in the name of a phone that registered over UDP (its address and
// port) or of its address. A spoofer sees neither the phone's traffic nor the edge's answers,
// but it can write any source: the guards drop what it sends and must not turn it into a
// ban of the phone. A scanner whose source is its own is still banned.
#include "e2e_sip.h"

#include <gtest/gtest.h>

#include <thread>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class SpoofingE2e : public ::testing::Test {
 protected:
  void start(const std::string& extra_yaml = "") {
    ASSERT_TRUE(raw_.ok()) << "raw sockets need root";
    ImsguardOptions o;
    o.tls = false;
    o.extra_yaml = extra_yaml;
    ASSERT_TRUE(edge_.start(o)) << edge_.log();
    impu_ = edge_.demo("digest", "impu");
    ASSERT_EQ(register_udp(phone_, edge_.sip_port(), edge_.demo("digest", "impi"), impu_, edge_.demo("digest", "password")),
              200)
        << edge_.log();
  }
  // An OPTIONS to the edge from `peer`: answered (200) unless the peer is banned.
  int options_from(UdpPeer& peer, const std::string& call_id) {
    peer.send(sip_request("OPTIONS", "sip:127.0.0.1", impu_, peer.local_port(), 1, call_id), edge_.sip_port());
    // Answers to what the spoofer sent in the peer's name may arrive first: skipped.
    for (auto answer = next_response(peer, 2s); answer; answer = next_response(peer, 2s))
      if (header_of(*answer, "Call-ID") == call_id) return status_of(*answer);
    return 0;
  }
  std::string scanner_options(uint16_t port, const std::string& call_id) {
    return sip_request("OPTIONS", "sip:100@ims.local", "sip:100@ims.local", port, 1, call_id,
                       "User-Agent: friendly-scanner\r\n");
  }

  SpoofedUdp raw_;
  ImsguardProcess edge_;
  UdpPeer phone_;
  std::string impu_;
};

TEST_F(SpoofingE2e, ASpoofedScannerDatagramDoesNotBanTheRegisteredPhoneNorItsAddress) {
  start();
  ASSERT_EQ(options_from(phone_, "gd-before"), 200) << edge_.log();
  // In the phone's name (its address and port), and from its address on another port.
  ASSERT_TRUE(raw_.send("127.0.0.1", phone_.local_port(), "127.0.0.1", edge_.sip_port(),
                        scanner_options(phone_.local_port(), "gd-spoof-1")));
  ASSERT_TRUE(raw_.send("127.0.0.1", 40999, "127.0.0.1", edge_.sip_port(), scanner_options(40999, "gd-spoof-2")));
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(options_from(phone_, "gd-after"), 200) << "the registered phone was banned by a spoofed datagram\n"
                                                   << edge_.events();
  // A new flow from the phone's address (a NAT rebinding, a re-registration) is served too.
  UdpPeer rebound;
  EXPECT_EQ(options_from(rebound, "gd-rebound"), 200) << "the phone's address was banned\n" << edge_.events();
  std::string events = edge_.events();
  EXPECT_NE(events.find("\"guard\":\"scanner\""), std::string::npos) << events;
  EXPECT_NE(events.find("dropped, not banned"), std::string::npos) << events;
  EXPECT_EQ(count(events, "\"action\":\"ban\""), 0u) << events;

  // A scanner from an address of its own (no registered flow there) is still banned.
  UdpPeer scanner("127.0.0.9");
  scanner.send(scanner_options(scanner.local_port(), "gd-real-scan"), edge_.sip_port());
  EXPECT_FALSE(next_response(scanner, 500ms)) << "a scanner is never answered";
  EXPECT_EQ(options_from(scanner, "gd-real-scan-2"), 0) << "the scanner's source was not banned\n" << edge_.events();
  EXPECT_NE(edge_.events().find("\"source\":\"udp:127.0.0.9:"), std::string::npos) << edge_.events();
}

// A spoofed flood in the phone's name goes over the per-flow limit: the datagrams over it are
// dropped, but once the window has passed the phone is served again (no hour-long ban).
TEST_F(SpoofingE2e, ASpoofedFloodInThePhonesNameIsDroppedNotBanned) {
  start("guards:\n  flood: { enabled: true, window_s: 1, max_per_source: 30, max_per_prefix: 100000, ban_ttl_s: 3600 }\n");
  for (int i = 0; i < 200; ++i)
    ASSERT_TRUE(raw_.send("127.0.0.1", phone_.local_port(), "127.0.0.1", edge_.sip_port(),
                          "OPTIONS sip:127.0.0.1 SIP/2.0\r\n\r\n"));
  std::this_thread::sleep_for(2500ms);  // past the 1 s window
  EXPECT_EQ(options_from(phone_, "gd-after-flood"), 200) << "the phone's flow was banned by a spoofed flood\n"
                                                         << edge_.events();
  std::string events = edge_.events();
  EXPECT_EQ(events.find("\"guard\":\"flood\",\"source\":\"udp:127.0.0.1:" + std::to_string(phone_.local_port()) +
                        "\",\"identity\":\"\",\"action\":\"ban\""),
            std::string::npos)
      << events;
  // One line for the episode, not one per datagram over the limit.
  EXPECT_LE(count(events, "\"guard\":\"flood\""), 2u) << events;
}

}  // namespace
