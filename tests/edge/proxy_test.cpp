// edge::Proxy's trust decisions without sockets: the S-CSCF address from the config (garbage
// refused with the key path), the MAC'd flow token (tampering, another edge's key, and the
// same edge after a restart: the key lives in data_dir/flow.key), and which sources count as
// peer edges.
#include "edge/proxy.h"
#include "../support/test_telemetry.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "proxy_under_test.h"
#include "sip/parser.h"
#include "store/state.h"

namespace imsguard::edge {
namespace {

// A proxy of its own data directory (its flow key there), naming `peers` as peer edges.
struct Fixture : ProxyUnderTest {
  explicit Fixture(const std::string& data_dir, std::vector<std::string> peers = {}) {
    config.data_dir = data_dir;
    config.sip.peers = std::move(peers);
    if (!config.sip.peers.empty()) {
      // The shared peer key: the same bytes for every fixture of a test that names peers.
      config.sip.peer_key_file = data_dir + "/peer.key";
      std::ofstream(config.sip.peer_key_file, std::ios::binary) << std::string(32, 'k');
    }
    build();
  }
};

std::string temp_dir() {
  auto dir = std::filesystem::temp_directory_path() / ("imsguard-proxy-" + std::to_string(::getpid()) + "-" +
                                                       std::to_string(std::rand()));
  std::filesystem::create_directories(dir);
  return dir.string();
}

TEST(ProxyCore, GarbageScscfValuesAreRefusedWithTheKeyPath) {
  for (const char* bad : {"sip:", "sip:@", "sips:10.0.0.1", "tel:+1555", "sip:user@10.0.0.1", "sip:scscf.example",
                          "sip:10.0.0.1;transport=sctp", "sip:10.0.0.1:99999", "http://10.0.0.1", "sip:[::1",
                          "\x01\x02garbage", "sip:10.0.0.1:5060;transport="}) {
    auto core = Proxy::parse_core(bad);
    EXPECT_EQ(core.code(), Code::kInvalid) << bad;
    EXPECT_NE(core.message().find("core.scscf"), std::string::npos) << bad << ": " << core.message();
  }
  for (const char* embedded : {"", "embedded"}) {
    auto core = Proxy::parse_core(embedded);
    ASSERT_TRUE(core.ok()) << core.message();
    EXPECT_FALSE(core->has_value());
  }
  auto tcp = Proxy::parse_core("sip:10.0.0.1:5070;transport=TCP");
  ASSERT_TRUE(tcp.ok() && tcp->has_value()) << tcp.message();
  EXPECT_EQ((*tcp)->transport, config::Transport::kTcp);
  EXPECT_EQ((*tcp)->port, 5070);
  auto v6 = Proxy::parse_core("sip:[2001:db8::5]");
  ASSERT_TRUE(v6.ok() && v6->has_value()) << v6.message();
  EXPECT_EQ((*v6)->port, 5060);
}

TEST(ProxyFlowToken, TamperingAndAnotherEdgesKeyAreRefusedAndARestartKeepsTokensValid) {
  std::string dir_a = temp_dir(), dir_b = temp_dir();
  ASSERT_TRUE(store::load_or_create_secret(Proxy::flow_key_path(dir_a), 32).ok());
  ASSERT_TRUE(store::load_or_create_secret(Proxy::flow_key_path(dir_b), 32).ok());
  net::Flow client = udp("198.51.100.7", 40000);
  std::string token;
  {
    Fixture a(dir_a);
    token = a.proxy->tokens().encode(client, FlowPurpose::kPath, {}, unix_now() + 60);
    auto back = a.proxy->tokens().decode(token, FlowPurpose::kPath, {}, unix_now());
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->address, client.address);
    EXPECT_EQ(back->port, client.port);
    std::string tampered = token;
    tampered[tampered.size() - 1] = tampered.back() == '0' ? '1' : '0';
    EXPECT_FALSE(a.proxy->tokens().decode(tampered, FlowPurpose::kPath, {}, unix_now()).has_value());
    EXPECT_FALSE(a.proxy->tokens().decode("zz." + token, FlowPurpose::kPath, {}, unix_now()).has_value());
    EXPECT_FALSE(a.proxy->tokens().decode("", FlowPurpose::kPath, {}, unix_now()).has_value());
  }
  Fixture restarted(dir_a);  // same data_dir: same key
  EXPECT_TRUE(restarted.proxy->tokens().decode(token, FlowPurpose::kPath, {}, unix_now()).has_value());
  Fixture other(dir_b);  // another edge's key
  EXPECT_FALSE(other.proxy->tokens().decode(token, FlowPurpose::kPath, {}, unix_now()).has_value());
  std::filesystem::remove_all(dir_a);
  std::filesystem::remove_all(dir_b);
}

TEST(ProxyPeers, OnlyTheConfiguredUdpListenersArePeersAndOnlyThenIsAPathRecorded) {
  std::string dir = temp_dir();
  Fixture lone(dir);
  EXPECT_FALSE(lone.proxy->from_peer(udp("192.0.2.11", 5060)));
  EXPECT_EQ(lone.proxy->path_for(udp("198.51.100.7", 40000)), "");

  Fixture edge(dir, {"192.0.2.11:5060", "[2001:db8::11]:5062"});
  EXPECT_TRUE(edge.proxy->from_peer(udp("192.0.2.11", 5060)));
  EXPECT_TRUE(edge.proxy->from_peer(udp("2001:db8::11", 5062)));
  EXPECT_FALSE(edge.proxy->from_peer(udp("192.0.2.11", 5061)));   // another port of that host
  EXPECT_FALSE(edge.proxy->from_peer(udp("192.0.2.12", 5060)));   // another host
  net::Flow tcp = udp("192.0.2.11", 5060);
  tcp.transport = config::Transport::kTcp;
  EXPECT_FALSE(edge.proxy->from_peer(tcp));  // peers talk UDP listener to UDP listener
  std::string path = edge.proxy->path_for(udp("198.51.100.7", 40000));
  EXPECT_EQ(path.rfind("<sip:term@192.0.2.10:5060;lr;igf=", 0), 0u) << path;
  std::filesystem::remove_all(dir);
}


class NullResponder final : public net::Responder {
 public:
  void send(std::string_view bytes) override { answers.emplace_back(bytes); }
  std::vector<std::string> answers;
};

TEST(ProxyPeers, APathNamingAPeerRoutesThereAndAGarbagePathFallsBackToTheFlow) {
  std::string dir = temp_dir();
  Fixture edge(dir, {"192.0.2.11:5060"});
  ProxyTestSender& sender = edge.sender;
  store::Binding b;
  b.aor = "sip:carol@ims.local";
  b.contact = "sip:carol@198.51.100.9:5070";
  b.impi = "carol@ims.local";
  b.transport = "udp";
  b.source = "198.51.100.9:5070";
  b.expires_at = std::time(nullptr) + 600;
  const std::string peer_path = "<sip:term@192.0.2.11:5060;lr;igf=00.00>";
  FlowIdentity alice{"alice@ims.local", {"sip:alice@ims.local"}, 0};
  std::string text =
      "MESSAGE sip:carol@ims.local SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.7:40000;branch=z9hG4bKp1\r\n"
      "From: <sip:alice@ims.local>;tag=1\r\nTo: <sip:carol@ims.local>\r\nCall-ID: p1\r\nCSeq: 1 MESSAGE\r\n"
      "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
  sip::Message msg;
  ASSERT_EQ(sip::parse_datagram(text, sip::Limits{}, msg).status, sip::ParseStatus::kOk);
  for (const std::string& path : {peer_path, std::string("<garbage"), std::string("<sip:term@edge-b.example;lr>"),
                                  std::string("<sip:term@192.0.2.99:5060;lr>")}) {
    b.path = path;
    ASSERT_TRUE(edge.bindings.upsert(b).ok());
    sender.sent.clear();
    NullResponder reply;
    edge.proxy->forward_request(udp("198.51.100.7", 40000), alice, msg, reply);
    ASSERT_EQ(sender.sent.size(), 1u) << path;
    const auto& [to, bytes] = sender.sent[0];
    if (path == peer_path) {
      // To the peer edge, with the binding's Path as the top Route, signed with the peer key.
      EXPECT_EQ(to.address.to_string(), "192.0.2.11") << path;
      EXPECT_NE(bytes.find("Route: " + peer_path), std::string::npos) << bytes;
      EXPECT_NE(bytes.find("\r\nImsguard-Peer-Auth: ts="), std::string::npos) << bytes;
    } else {
      // Unparsable, a host name, or not a peer: the registered flow itself, no Route added.
      EXPECT_EQ(to.address.to_string(), "198.51.100.9") << path;
      EXPECT_EQ(to.port, 5070) << path;
      EXPECT_EQ(bytes.find("Route:"), std::string::npos) << bytes;
    }
  }
  std::filesystem::remove_all(dir);
}

// A request from a peer's address counts as the peer's only with a valid, fresh MAC under
// the shared key: what edge B signs, edge A (same key) accepts; the same bytes with one
// identity field changed, without the header, from another address, or signed under
// another key, are refused.
TEST(ProxyPeers, OnlyARequestSignedWithTheSharedKeyIsAPeers) {
  std::string dir_a = temp_dir(), dir_b = temp_dir(), dir_c = temp_dir();
  Fixture a(dir_a, {"192.0.2.11:5060"});
  Fixture b(dir_b, {"192.0.2.10:5060"});
  std::string text =
      "MESSAGE sip:carol@ims.local SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.11:5060;branch=z9hG4bKs1\r\n"
      "Route: <sip:term@192.0.2.10:5060;lr;igf=00.00>\r\n"
      "From: <sip:alice@ims.local>;tag=1\r\nTo: <sip:carol@ims.local>\r\nCall-ID: s1\r\nCSeq: 1 MESSAGE\r\n"
      "Max-Forwards: 70\r\nP-Asserted-Identity: <sip:alice@ims.local>\r\nContent-Length: 2\r\n\r\nhi";
  PeerAuth shared(std::vector<uint8_t>(32, 'k'), 60);
  auto signed_text = shared.sign(text, unix_now());
  ASSERT_TRUE(signed_text.has_value());
  auto verdict_of = [&](const Fixture& f, const std::string& bytes, const net::Flow& from) {
    sip::Message m;
    if (sip::parse_datagram(bytes, sip::Limits{}, m).status != sip::ParseStatus::kOk) return false;
    return f.proxy->trusted_peer(from, m);
  };
  net::Flow peer = udp("192.0.2.11", 5060);
  EXPECT_TRUE(verdict_of(a, *signed_text, peer));
  EXPECT_FALSE(verdict_of(a, text, peer));                       // no header
  EXPECT_FALSE(verdict_of(a, *signed_text, udp("192.0.2.12", 5060)));  // not a peer's address
  std::string forged = *signed_text;
  forged.replace(forged.find("P-Asserted-Identity: <sip:alice"), 31, "P-Asserted-Identity: <sip:bank@");
  EXPECT_FALSE(verdict_of(a, forged, peer));                     // the identity changed
  std::string body = *signed_text;
  body.back() = '!';
  EXPECT_FALSE(verdict_of(a, body, peer));                       // the body changed
  EXPECT_FALSE(verdict_of(a, *shared.sign(text, unix_now() - 3600), peer));  // an hour old
  PeerAuth other(std::vector<uint8_t>(32, 'x'), 60);
  EXPECT_FALSE(verdict_of(a, *other.sign(text, unix_now()), peer));  // another key
  // Without the key file an edge with peers trusts none of them (and Node::start refuses).
  Fixture keyless(dir_c);
  keyless.config.sip.peers = {"192.0.2.11:5060"};
  keyless.config.sip.peer_key_file = dir_c + "/missing.key";
  Proxy no_key(keyless.config, *keyless.registrar, ProxyDeps{nullptr, nullptr, &keyless.t.metrics, &keyless.t.events});
  sip::Message m;
  ASSERT_EQ(sip::parse_datagram(*signed_text, sip::Limits{}, m).status, sip::ParseStatus::kOk);
  EXPECT_FALSE(no_key.trusted_peer(peer, m));
  auto refused = Proxy::check_peer_key(keyless.config);
  EXPECT_EQ(refused.code(), Code::kNotFound);
  EXPECT_NE(refused.message().find("missing.key"), std::string::npos) << refused.message();
  (void)b;
  std::filesystem::remove_all(dir_a);
  std::filesystem::remove_all(dir_b);
  std::filesystem::remove_all(dir_c);
}

}  // namespace
}  // namespace imsguard::edge
