// edge::DialogRoutes without sockets: the Record-Route entries (one per transport, RFC 5658),
// the dialog token's MAC (bound to both flows and to the Call-ID), which Route entries are
// the edge's own (16.4), and which flow an in-dialog request goes to.
#include "edge/dialog_route.h"

#include "sip/name_addr.h"

#include <gtest/gtest.h>

namespace imsguard::edge {
namespace {

net::Flow flow(config::Transport t, const char* address, uint16_t port, uint64_t conn = 0) {
  net::Flow f;
  f.transport = t;
  f.address = asio::ip::make_address(address);
  f.port = port;
  f.connection_id = conn;
  return f;
}

struct Fixture {
  Fixture() {
    config.sip.listen = {{config::Transport::kUdp, "192.0.2.10", 5060},
                         {config::Transport::kTcp, "192.0.2.10", 5060},
                         {config::Transport::kTls, "192.0.2.10", 5061}};
    key.fill(7);
    tokens = FlowTokens(key);
  }
  config::Config config;
  std::array<uint8_t, 32> key{};
  FlowTokens tokens{key};
  DialogRoutes routes{config, tokens};
};

std::vector<sip::NameAddr> parse_routes(const std::vector<std::string>& values) {
  std::vector<sip::NameAddr> out;
  for (const auto& v : values) {
    auto na = sip::parse_name_addr(v);
    EXPECT_TRUE(na) << v;
    if (na) out.push_back(*na);
  }
  return out;
}

TEST(DialogRoutes, OneEntryForOneTransportTwoWhenTheTransportChanges) {
  Fixture fx;
  DialogFlows same{flow(config::Transport::kUdp, "198.51.100.1", 5070), flow(config::Transport::kUdp, "198.51.100.2", 5080)};
  auto one = fx.routes.record_routes(same, "call-1");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].rfind("<sip:edge@192.0.2.10:5060;lr;igd=", 0), 0u) << one[0];

  DialogFlows mixed{flow(config::Transport::kUdp, "198.51.100.1", 5070),
                    flow(config::Transport::kTls, "198.51.100.2", 40000, 9)};
  auto two = fx.routes.record_routes(mixed, "call-1");
  ASSERT_EQ(two.size(), 2u);
  // Bottom (prepended first) faces the caller, top faces the callee.
  EXPECT_EQ(two[0].rfind("<sip:edge@192.0.2.10:5060;lr;igd=", 0), 0u) << two[0];
  EXPECT_EQ(two[1].rfind("<sip:edge@192.0.2.10:5061;transport=tls;lr;igd=", 0), 0u) << two[1];
}

TEST(DialogRoutes, TheTokenNamesBothFlowsAndIsBoundToTheCallId) {
  Fixture fx;
  DialogFlows flows{flow(config::Transport::kTcp, "198.51.100.1", 41000, 3), flow(config::Transport::kUdp, "::1", 5080)};
  std::string token = fx.routes.encode(flows, "call-7");
  auto back = fx.routes.decode(token, "call-7");
  ASSERT_TRUE(back);
  EXPECT_TRUE(DialogRoutes::same_flow(back->caller, flows.caller));
  EXPECT_TRUE(DialogRoutes::same_flow(back->callee, flows.callee));
  EXPECT_FALSE(fx.routes.decode(token, "call-8")) << "another dialog's Call-ID";
  std::string tampered = token;
  tampered[3] = tampered[3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(fx.routes.decode(tampered, "call-7"));
  // Swapping the two flows (a participant choosing who is the caller) breaks the MAC.
  DialogFlows swapped_flows{flows.callee, flows.caller};
  std::string swapped = fx.routes.encode(swapped_flows, "call-7");
  ASSERT_NE(swapped, token);
  auto swapped_back = fx.routes.decode(swapped, "call-7");
  ASSERT_TRUE(swapped_back);
  EXPECT_TRUE(DialogRoutes::same_flow(swapped_back->caller, flows.callee)) << "the order is part of the token";
  // A flow token of another purpose (a Record-Route's, one flow) is no dialog token.
  EXPECT_FALSE(fx.routes.decode(fx.tokens.encode(flows.caller, FlowPurpose::kRecordRoute, "call-7", unix_now() + 60), "call-7"));
  const net::Flow both[] = {flows.caller, flows.callee};
  EXPECT_FALSE(fx.routes.decode(fx.tokens.encode(both, FlowPurpose::kDialog, "call-7", unix_now() - 1), "call-7"))
      << "expired";
  std::array<uint8_t, 32> other_key{};
  other_key.fill(8);
  FlowTokens other_tokens(other_key);
  DialogRoutes other(fx.config, other_tokens);
  EXPECT_FALSE(other.decode(token, "call-7")) << "another edge's key";
  for (const char* garbage : {"", ".", "..", "zz.zz.zz", "00.00.00"}) EXPECT_FALSE(fx.routes.decode(garbage, "call-7"));
}

TEST(DialogRoutes, OwnEntriesArePoppedAndTheOtherParticipantIsTheTarget) {
  Fixture fx;
  DialogFlows flows{flow(config::Transport::kUdp, "198.51.100.1", 5070), flow(config::Transport::kTls, "198.51.100.2", 40000, 9)};
  auto rr = fx.routes.record_routes(flows, "c");
  // The callee's route set is the Record-Route in order: top first.
  net::Flow arrival = flows.callee;
  auto popped = fx.routes.pop_own(parse_routes({rr[1], rr[0], "<sip:198.51.100.99;lr>"}), "c", arrival);
  EXPECT_EQ(popped.own, 2u);
  ASSERT_TRUE(popped.dialog);
  EXPECT_FALSE(popped.forged);
  auto to = DialogRoutes::other_end(*popped.dialog, flows.callee);
  ASSERT_TRUE(to);
  EXPECT_TRUE(DialogRoutes::same_flow(*to, flows.caller));
  to = DialogRoutes::other_end(*popped.dialog, flows.caller);
  ASSERT_TRUE(to);
  EXPECT_TRUE(DialogRoutes::same_flow(*to, flows.callee));
  // Same address and port, another TLS connection: not the participant's flow.
  EXPECT_FALSE(DialogRoutes::other_end(*popped.dialog, flow(config::Transport::kTls, "198.51.100.2", 40000, 10)));
  EXPECT_FALSE(DialogRoutes::other_end(*popped.dialog, flow(config::Transport::kUdp, "198.51.100.3", 5070)));

  // An outbound-proxy Route naming our listener (no token) is ours; a foreign one is not.
  auto outbound = fx.routes.pop_own(parse_routes({"<sip:192.0.2.10:5061;transport=tls;lr>", "<sip:203.0.113.5;lr>"}), "c", arrival);
  EXPECT_EQ(outbound.own, 1u);
  EXPECT_FALSE(outbound.dialog);
  EXPECT_EQ(fx.routes.pop_own(parse_routes({"<sip:203.0.113.5;lr>", rr[0]}), "c", arrival).own, 0u) << "only leading entries";
  auto forged = fx.routes.pop_own(parse_routes({rr[0]}), "another-call", arrival);
  EXPECT_TRUE(forged.forged);
  EXPECT_FALSE(forged.dialog);
}

}  // namespace
}  // namespace imsguard::edge

namespace imsguard::edge {
namespace {

TEST(DialogRoutes, AWildcardListenerNamesTheAddressTheRequestArrivedAt) {
  config::Config config;
  config.sip.listen = {{config::Transport::kUdp, "0.0.0.0", 5060}};
  std::array<uint8_t, 32> key{};
  FlowTokens tokens(key);
  DialogRoutes routes(config, tokens);
  net::Flow caller = flow(config::Transport::kUdp, "192.0.2.1", 5070);
  caller.local_address = asio::ip::make_address("192.0.2.44");  // IP_PKTINFO of its request
  // The callee is known from its binding only: the edge names the source address the kernel
  // picks toward it (loopback here).
  net::Flow callee = flow(config::Transport::kUdp, "127.0.0.1", 5080);
  auto rr = routes.record_routes({caller, callee}, "call-1");
  ASSERT_EQ(rr.size(), 2u) << "another interface: two entries (RFC 5658)";
  EXPECT_EQ(rr[0].rfind("<sip:edge@192.0.2.44:5060;lr;igd=", 0), 0u) << rr[0];
  EXPECT_EQ(rr[1].rfind("<sip:edge@127.0.0.1:5060;lr;igd=", 0), 0u) << rr[1];
  for (const auto& r : rr) EXPECT_EQ(r.find("0.0.0.0"), std::string::npos) << r;
  // Same interface on both sides: one entry.
  net::Flow local_caller = flow(config::Transport::kUdp, "127.0.0.1", 5070);
  local_caller.local_address = asio::ip::make_address("127.0.0.1");
  EXPECT_EQ(routes.record_routes({local_caller, callee}, "call-1").size(), 1u);
  // A Route naming the address the request arrived at is ours; another address is not.
  EXPECT_EQ(routes.pop_own(parse_routes({"<sip:192.0.2.44;lr>"}), "c", caller).own, 1u);
  EXPECT_EQ(routes.pop_own(parse_routes({"<sip:192.0.2.45;lr>"}), "c", caller).own, 0u);
}

}  // namespace
}  // namespace imsguard::edge
