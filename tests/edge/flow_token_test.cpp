// Flow tokens: a token names its flow only for the purpose, binding and time it was made for,
// and only under the key that made it.
#include "edge/flow_token.h"

#include <gtest/gtest.h>

namespace imsguard::edge {
namespace {

net::Flow flow(const char* address, uint16_t port, config::Transport t = config::Transport::kUdp) {
  net::Flow f;
  f.transport = t;
  f.address = asio::ip::make_address(address);
  f.port = port;
  return f;
}

std::array<uint8_t, FlowTokens::kKeyBytes> key(uint8_t fill) {
  std::array<uint8_t, FlowTokens::kKeyBytes> k{};
  k.fill(fill);
  return k;
}

TEST(FlowToken, RoundTripsEveryFieldOfTheFlow) {
  FlowTokens tokens(key(1));
  net::Flow f = flow("2001:db8::7", 5062, config::Transport::kTls);
  f.connection_id = 1234567890123ULL;
  f.local_port = 5061;
  auto back = tokens.decode(tokens.encode(f, FlowPurpose::kVia, "call-1\nINVITE", 1000), FlowPurpose::kVia,
                            "call-1\nINVITE", 999);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->transport, config::Transport::kTls);
  EXPECT_EQ(back->address, f.address);
  EXPECT_EQ(back->port, 5062);
  EXPECT_EQ(back->connection_id, 1234567890123ULL);
  EXPECT_EQ(back->local_port, 5061);
}

// A UDP flow's local address (the address a phone sent to, on a wildcard listener) comes
// back with it, so what goes back leaves from that address; a stream's is not carried (its
// connection has it), so stream tokens keep their size.
TEST(FlowToken, AUdpFlowsLocalAddressRoundTrips) {
  FlowTokens tokens(key(1));
  for (const char* local : {"127.0.0.2", "2001:db8::2"}) {
    net::Flow f = flow("192.0.2.7", 5060);
    f.local_address = asio::ip::make_address(local);
    std::string t = tokens.encode(f, FlowPurpose::kVia, "x", 1000);
    auto back = tokens.decode(t, FlowPurpose::kVia, "x", 10);
    ASSERT_TRUE(back.has_value()) << local;
    EXPECT_EQ(back->local_address, f.local_address);
    EXPECT_EQ(back->address, f.address);
  }
  net::Flow two[] = {flow("192.0.2.7", 5060), flow("192.0.2.8", 5062)};
  two[1].local_address = asio::ip::make_address("127.0.0.3");
  auto both = tokens.decode_flows(tokens.encode(two, FlowPurpose::kDialog, "c", 1000), FlowPurpose::kDialog, "c", 10);
  ASSERT_TRUE(both.has_value());
  EXPECT_TRUE(both->flows[0].local_address.is_unspecified());
  EXPECT_EQ(both->flows[1].local_address.to_string(), "127.0.0.3");
  net::Flow tcp = flow("192.0.2.7", 5060, config::Transport::kTcp);
  std::string plain = tokens.encode(tcp, FlowPurpose::kVia, "x", 1000);
  tcp.local_address = asio::ip::make_address("127.0.0.2");
  EXPECT_EQ(tokens.encode(tcp, FlowPurpose::kVia, "x", 1000), plain);
}

TEST(FlowToken, APurposeCannotStandInForAnother) {
  FlowTokens tokens(key(1));
  std::string rr = tokens.encode(flow("192.0.2.7", 5060), FlowPurpose::kRecordRoute, "call-1", 1000);
  EXPECT_TRUE(tokens.decode(rr, FlowPurpose::kRecordRoute, "call-1", 10).has_value());
  EXPECT_FALSE(tokens.decode(rr, FlowPurpose::kPath, "call-1", 10).has_value());
  EXPECT_FALSE(tokens.decode(rr, FlowPurpose::kVia, "call-1", 10).has_value());
  std::string path = tokens.encode(flow("192.0.2.7", 5060), FlowPurpose::kPath, {}, 1000);
  EXPECT_FALSE(tokens.decode(path, FlowPurpose::kRecordRoute, {}, 10).has_value());
}

TEST(FlowToken, ABoundTokenNamesNobodyInAnotherDialog) {
  FlowTokens tokens(key(1));
  std::string rr = tokens.encode(flow("192.0.2.7", 5060), FlowPurpose::kRecordRoute, "call-1", 1000);
  EXPECT_FALSE(tokens.decode(rr, FlowPurpose::kRecordRoute, "call-2", 10).has_value());
  EXPECT_FALSE(tokens.decode(rr, FlowPurpose::kRecordRoute, "", 10).has_value());
  // The binding is length-prefixed in the MAC: no shifting of characters between fields.
  EXPECT_FALSE(tokens.decode(rr, FlowPurpose::kRecordRoute, "call-1 ", 10).has_value());
}

TEST(FlowToken, ExpiresAtItsTime) {
  FlowTokens tokens(key(1));
  std::string t = tokens.encode(flow("192.0.2.7", 5060), FlowPurpose::kPath, {}, 1000);
  EXPECT_TRUE(tokens.decode(t, FlowPurpose::kPath, {}, 1000).has_value());
  EXPECT_FALSE(tokens.decode(t, FlowPurpose::kPath, {}, 1001).has_value());
}

TEST(FlowToken, TamperingAnotherKeyAndGarbageAreRefused) {
  FlowTokens tokens(key(1));
  std::string t = tokens.encode(flow("192.0.2.7", 5060), FlowPurpose::kPath, {}, 1000);
  EXPECT_FALSE(FlowTokens(key(2)).decode(t, FlowPurpose::kPath, {}, 10).has_value());
  // Another expiry written into the plain part: the MAC no longer matches.
  std::string longer = tokens.encode(flow("192.0.2.7", 5060), FlowPurpose::kPath, {}, 9999);
  ASSERT_EQ(longer.size(), t.size());
  std::string spliced = longer.substr(0, 10) + t.substr(10);
  ASSERT_NE(spliced, t);
  EXPECT_FALSE(tokens.decode(spliced, FlowPurpose::kPath, {}, 10).has_value());
  // Every single character changed, anywhere in the token, is refused.
  for (size_t i = 0; i < t.size(); ++i) {
    std::string flipped = t;
    flipped[i] = flipped[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(tokens.decode(flipped, FlowPurpose::kPath, {}, 10).has_value()) << i;
  }
  for (std::string_view junk : {std::string_view(""), std::string_view("."), std::string_view("zz.00"),
                                std::string_view("00"), std::string_view(t).substr(0, t.size() - 16)})
    EXPECT_FALSE(tokens.decode(junk, FlowPurpose::kPath, {}, 10).has_value()) << junk;
  EXPECT_FALSE(tokens.decode(std::string(600, 'a') + t, FlowPurpose::kPath, {}, 10).has_value());
}

TEST(FlowToken, OneGrammarForOneAndTwoFlows) {
  // The dialog token is a flow token naming two flows; a one-flow decode refuses it and a
  // purpose check still applies.
  FlowTokens tokens(key(4));
  net::Flow a = flow("192.0.2.7", 5060, config::Transport::kTcp);
  a.connection_id = 9;
  net::Flow b = flow("2001:db8::1", 40000, config::Transport::kTls);
  b.connection_id = 10;
  b.local_port = 5061;
  const net::Flow both[] = {a, b};
  std::string t = tokens.encode(both, FlowPurpose::kDialog, "call-1", 1000);
  auto back = tokens.decode_flows(t, FlowPurpose::kDialog, "call-1", 10);
  ASSERT_TRUE(back.has_value());
  ASSERT_EQ(back->count, 2u);
  EXPECT_EQ(back->flows[0].address, a.address);
  EXPECT_EQ(back->flows[0].connection_id, 9u);
  EXPECT_EQ(back->flows[1].address, b.address);
  EXPECT_EQ(back->flows[1].transport, config::Transport::kTls);
  EXPECT_EQ(back->flows[1].local_port, 5061);
  EXPECT_FALSE(tokens.decode(t, FlowPurpose::kDialog, "call-1", 10).has_value()) << "two flows are not one";
  EXPECT_FALSE(tokens.decode_flows(t, FlowPurpose::kRecordRoute, "call-1", 10).has_value());
  EXPECT_FALSE(tokens.decode_flows(t, FlowPurpose::kDialog, "call-2", 10).has_value());
  EXPECT_FALSE(tokens.decode_flows(t, FlowPurpose::kDialog, "call-1", 1001).has_value()) << "expired";
}

TEST(FlowToken, DerivedValuesAreKeyedAndStable) {
  FlowTokens one(key(1)), two(key(2));
  ASSERT_TRUE(one.derive("z9hG4bK1|INVITE").has_value());
  EXPECT_EQ(one.derive("z9hG4bK1|INVITE"), one.derive("z9hG4bK1|INVITE"));
  EXPECT_NE(one.derive("z9hG4bK1|INVITE"), one.derive("z9hG4bK1|BYE"));
  EXPECT_NE(one.derive("z9hG4bK1|INVITE"), two.derive("z9hG4bK1|INVITE"));
  // Interleaved use of two keys on one thread (the per-thread context is re-keyed).
  auto first = one.derive("x");
  (void)two.derive("x");
  EXPECT_EQ(one.derive("x"), first);
}

TEST(FlowToken, OnlyUriParameterCharacters) {
  FlowTokens tokens(key(3));
  std::string t = tokens.encode(flow("::1", 1), FlowPurpose::kVia, "x", 1);
  EXPECT_EQ(t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), std::string::npos)
      << t;
  // Short enough to repeat in every Via and Route: an IPv4 Via token is 48 characters.
  EXPECT_EQ(tokens.encode(flow("192.0.2.7", 5060), FlowPurpose::kVia, "x", 1).size(), 48u);
}

// Fail closed: when the MAC cannot be computed no token is written (the caller sends nothing
// it could not prove later) and no token is accepted, not even one this key made.
TEST(FlowToken, AMacFailureWritesNoTokenAndAcceptsNone) {
  bool fail = false;
  FlowTokens tokens(key(1), [&fail](std::span<const uint8_t> k, std::string_view data) -> std::optional<crypto::Sha256Mac> {
    if (fail) return std::nullopt;
    return crypto::hmac_sha256(k, data);
  });
  // The injected MAC is HMAC-SHA-256 over the same bytes: its tokens are the built-in ones.
  FlowTokens builtin(key(1));
  const net::Flow f = flow("192.0.2.7", 5060);
  std::string token = tokens.encode(f, FlowPurpose::kRecordRoute, "call-9", 1000);
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(token, builtin.encode(f, FlowPurpose::kRecordRoute, "call-9", 1000));
  ASSERT_TRUE(tokens.decode(token, FlowPurpose::kRecordRoute, "call-9", 999).has_value());
  ASSERT_TRUE(tokens.derive("branch").has_value());

  fail = true;
  EXPECT_EQ(tokens.encode(f, FlowPurpose::kRecordRoute, "call-9", 1000), "");
  EXPECT_FALSE(tokens.decode(token, FlowPurpose::kRecordRoute, "call-9", 999).has_value());
  EXPECT_FALSE(tokens.decode_flows(token, FlowPurpose::kRecordRoute, "call-9", 999).has_value());
  EXPECT_FALSE(tokens.derive("branch").has_value());
}

}  // namespace
}  // namespace imsguard::edge
