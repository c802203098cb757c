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
  }
  config::Config config;
  std::array<uint8_t, 32> key{};
  DialogRoutes routes{config, key};
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
  tampered[3] = tampered[3] == '0' ? '1' : '0';
  EXPECT_FALSE(fx.routes.decode(tampered, "call-7"));
  // Swapping the two flows (a participant choosing who is the caller) breaks the MAC.
  size_t d1 = token.find('.'), d2 = token.find('.', d1 + 1);
  std::string swapped = token.substr(d1 + 1, d2 - d1 - 1) + "." + token.substr(0, d1) + token.substr(d2);
  EXPECT_FALSE(fx.routes.decode(swapped, "call-7"));
  std::array<uint8_t, 32> other_key{};
  other_key.fill(8);
  DialogRoutes other(fx.config, other_key);
  EXPECT_FALSE(other.decode(token, "call-7")) << "another edge's key";
  for (const char* garbage : {"", ".", "..", "zz.zz.zz", "00.00.00"}) EXPECT_FALSE(fx.routes.decode(garbage, "call-7"));
}

TEST(DialogRoutes, OwnEntriesArePoppedAndTheOtherParticipantIsTheTarget) {
  Fixture fx;
  DialogFlows flows{flow(config::Transport::kUdp, "198.51.100.1", 5070), flow(config::Transport::kTls, "198.51.100.2", 40000, 9)};
  auto rr = fx.routes.record_routes(flows, "c");
  // The callee's route set is the Record-Route in order: top first.
  auto popped = fx.routes.pop_own(parse_routes({rr[1], rr[0], "<sip:198.51.100.99;lr>"}), "c");
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
  auto outbound = fx.routes.pop_own(parse_routes({"<sip:192.0.2.10:5061;transport=tls;lr>", "<sip:203.0.113.5;lr>"}), "c");
  EXPECT_EQ(outbound.own, 1u);
  EXPECT_FALSE(outbound.dialog);
  EXPECT_EQ(fx.routes.pop_own(parse_routes({"<sip:203.0.113.5;lr>", rr[0]}), "c").own, 0u) << "only leading entries";
  auto forged = fx.routes.pop_own(parse_routes({rr[0]}), "another-call");
  EXPECT_TRUE(forged.forged);
  EXPECT_FALSE(forged.dialog);
}

}  // namespace
}  // namespace imsguard::edge
