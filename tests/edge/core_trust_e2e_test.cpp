// Issue 17 F4 in P-CSCF mode, attacked through a real `imsguard run` with the S-CSCF played
// by a UDP socket: a callee who saw the caller's Record-Route token writes a datagram with
// the S-CSCF's address and port (raw socket, IP_HDRINCL) carrying a MESSAGE inside that
// dialog with `P-Asserted-Identity: <sip:bank@ims.local>`. The edge still routes it by the
// token, but a UDP source address proves nothing: without a valid Imsguard-Peer-Auth under
// core.auth_key_file the asserted identity never reaches the client. With the key the real
// S-CSCF's signed requests keep what they assert, and a spoofed or badly signed one does not.
#include "imsguard_process.h"
#include "process.h"
#include "scscf_peer.h"
#include "sip_socket.h"
#include "spoofed_udp.h"

#include "edge/peer_auth.h"

#include <gtest/gtest.h>

#include <openssl/rand.h>

#include <chrono>
#include <ctime>
#include <optional>
#include <string>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

int64_t unix_now() { return static_cast<int64_t>(std::time(nullptr)); }

class CoreTrustE2e : public ::testing::Test {
 protected:
  void start(bool with_key) {
    std::string dir = make_temp_dir("imsguard-core-trust");
    std::string extra = "core:\n  scscf: \"sip:127.0.0.1:" + std::to_string(scscf_.local_port()) + "\"\n";
    if (with_key) {
      key_.resize(32);
      ASSERT_EQ(RAND_bytes(key_.data(), static_cast<int>(key_.size())), 1);
      write_file(dir + "/core.key", std::string(key_.begin(), key_.end()));
      extra += "  auth_key_file: " + dir + "/core.key\n";
    }
    ImsguardOptions o;
    o.tls = false;
    o.roles = "[edge]";
    o.data_dir = dir;
    o.extra_yaml = extra;
    ASSERT_TRUE(edge_.start(o)) << edge_.log();
    // alice registers through the edge, the S-CSCF accepts; her INVITE reaches the S-CSCF with
    // the edge's Record-Route: what the callee sees.
    ASSERT_NO_FATAL_FAILURE(peers_.register_and_invite(edge_, "core-reg", "core-dialog", rr_));
  }

  // A MESSAGE toward alice inside her dialog, asserting `identity`; `body` tells copies apart.
  std::string in_dialog(const std::string& identity, const std::string& body) const {
    return "MESSAGE sip:alice@127.0.0.1:" + std::to_string(alice_.local_port()) +
           " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + std::to_string(scscf_.local_port()) + ";branch=z9hG4bK" + body +
           "\r\nRoute: " + rr_ +
           "\r\nMax-Forwards: 70\r\nFrom: <sip:bob@ims.local>;tag=b1\r\nTo: <sip:alice@ims.local>;tag=a1\r\n"
           "Call-ID: core-dialog\r\nCSeq: 2 MESSAGE\r\nP-Asserted-Identity: " + identity +
           "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  bool spoof_as_scscf(const std::string& bytes) {
    return send_spoofed_udp(bytes, "127.0.0.1", scscf_.local_port(), edge_.sip_port());
  }
  std::string signed_by(const std::vector<uint8_t>& key, const std::string& request) {
    imsguard::edge::PeerAuth auth(key, 60);
    return auth.sign(request, unix_now()).value_or("");
  }
  // The MESSAGE alice receives carrying `body`.
  std::optional<std::string> alice_gets(const std::string& body) {
    for (auto got = next_datagram(alice_, false); got; got = next_datagram(alice_, false))
      if (got->find(body) != std::string::npos) return got;
    return std::nullopt;
  }

  ScscfAndClient peers_;
  UdpPeer& scscf_ = peers_.scscf;
  UdpPeer& alice_ = peers_.alice;
  ImsguardProcess edge_;
  std::vector<uint8_t> key_;
  std::string rr_;
};

TEST_F(CoreTrustE2e, ASpoofedScscfRequestIsRoutedButItsAssertedIdentityIsNotHonoured) {
  ASSERT_NO_FATAL_FAILURE(start(/*with_key=*/false));
  ASSERT_TRUE(spoof_as_scscf(in_dialog("<sip:bank@ims.local>", "spoofed-bank")));
  auto delivered = alice_gets("spoofed-bank");
  ASSERT_TRUE(delivered) << edge_.log();
  EXPECT_EQ(delivered->find("bank@"), std::string::npos) << "the spoofed identity reached the client:\n" << *delivered;
  EXPECT_EQ(header_of(*delivered, "P-Asserted-Identity"), "") << *delivered;
  // Without a key the real S-CSCF cannot be told from the spoofer: its assertion goes too,
  // and the edge said so when it started.
  ASSERT_TRUE(scscf_.send(in_dialog("<sip:bob@ims.local>", "real-unsigned"), edge_.sip_port()));
  auto real = alice_gets("real-unsigned");
  ASSERT_TRUE(real) << edge_.log();
  EXPECT_EQ(header_of(*real, "P-Asserted-Identity"), "") << *real;
  EXPECT_NE(edge_.log().find("core.auth_key_file is not set"), std::string::npos) << edge_.log();
  EXPECT_TRUE(eventually([&] { return edge_.events().find("\"guard\":\"core\"") != std::string::npos; }, 5s))
      << edge_.events();
}

TEST_F(CoreTrustE2e, WithTheSharedKeyOnlyTheScscfsSignedRequestsAssert) {
  ASSERT_NO_FATAL_FAILURE(start(/*with_key=*/true));
  // The S-CSCF signs: its assertion reaches alice, the MAC header does not.
  std::string real = signed_by(key_, in_dialog("<sip:bob@ims.local>", "real-signed"));
  ASSERT_FALSE(real.empty());
  ASSERT_TRUE(scscf_.send(real, edge_.sip_port()));
  auto kept = alice_gets("real-signed");
  ASSERT_TRUE(kept) << edge_.log();
  EXPECT_EQ(header_of(*kept, "P-Asserted-Identity"), "<sip:bob@ims.local>") << *kept;
  EXPECT_EQ(header_of(*kept, "Imsguard-Peer-Auth"), "") << *kept;
  // The spoofer, unsigned or signed under another key: routed, asserting nothing.
  ASSERT_TRUE(spoof_as_scscf(in_dialog("<sip:bank@ims.local>", "spoofed-unsigned")));
  auto unsigned_copy = alice_gets("spoofed-unsigned");
  ASSERT_TRUE(unsigned_copy) << edge_.log();
  EXPECT_EQ(unsigned_copy->find("bank@"), std::string::npos) << *unsigned_copy;
  std::vector<uint8_t> wrong(32, 0x5a);
  ASSERT_TRUE(spoof_as_scscf(signed_by(wrong, in_dialog("<sip:bank@ims.local>", "spoofed-wrong-key"))));
  auto wrong_copy = alice_gets("spoofed-wrong-key");
  ASSERT_TRUE(wrong_copy) << edge_.log();
  EXPECT_EQ(wrong_copy->find("bank@"), std::string::npos) << *wrong_copy;
  EXPECT_EQ(edge_.log().find("core.auth_key_file is not set"), std::string::npos) << edge_.log();
}

}  // namespace
