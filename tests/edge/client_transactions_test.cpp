// Client transactions of relayed UDP requests, on a fake clock: the request is sent again on
// Timer A (INVITE, doubling) or E (others, capped at T2) until an answer; the caller gets a
// 408 at Timer B/F; INVITE stops at a 1xx, other methods slow to T2; ACK, reliable targets
// and a full table are not tracked. The caller's server transaction keeps the 408 and any
// final answer relayed back; Timer C CANCELs a callee that rang too long, or answers 408.
#include "edge/cancel_request.h"
#include "../support/test_telemetry.h"
#include "edge/client_transactions.h"
#include "ops/counters.h"
#include "sip/parser.h"

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

using namespace imsguard;
using namespace imsguard::edge;

namespace {

struct Sent {
  net::Flow to;
  std::string bytes;
  int64_t at;
};

struct FakeSender : net::FlowSender {
  std::vector<Sent> sent;
  const int64_t* now = nullptr;
  bool send_to(const net::Flow& flow, std::string_view bytes) override {
    sent.push_back({flow, std::string(bytes), *now});
    return true;
  }
};

net::Flow udp(uint16_t port) {
  net::Flow f;
  f.transport = config::Transport::kUdp;
  f.address = asio::ip::make_address("127.0.0.1");
  f.port = port;
  return f;
}

constexpr std::string_view kOurVia = "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKedge1;igf=token";

std::string request(std::string_view method) {
  std::string m(method);
  return m + " sip:bob@ims.local SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bKcaller\r\n"
             "Max-Forwards: 70\r\nFrom: <sip:alice@ims.local>;tag=1\r\nTo: <sip:bob@ims.local>\r\n"
             "Call-ID: ct-1\r\nCSeq: 1 " + m + "\r\nContent-Length: 0\r\n\r\n";
}

std::string response(int code, std::string_view method) {
  return "SIP/2.0 " + std::to_string(code) + " X\r\nVia: " + std::string(kOurVia) +
         "\r\nVia: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bKcaller\r\nFrom: <sip:alice@ims.local>;tag=1\r\n"
         "To: <sip:bob@ims.local>;tag=2\r\nCall-ID: ct-1\r\nCSeq: 1 " + std::string(method) +
         "\r\nContent-Length: 0\r\n\r\n";
}

class ClientTransactionsTest : public ::testing::Test {
 protected:
  ClientTransactionsTest() { sender_.now = &now_; }
  // This test's own registry: counts start from zero.
  uint64_t counter(std::string_view name) { return t_.value(name); }

  const sip::Message& parse(const std::string& text) {
    texts_.push_back(text);
    auto parsed = sip::parse_datagram(texts_.back(), sip::Limits{}, msgs_.emplace_back());
    EXPECT_EQ(parsed.status, sip::ParseStatus::kOk) << parsed.reason;
    return msgs_.back();
  }
  void relay(std::string_view method, const net::Flow& target = udp(7000)) {
    table_.relayed(caller_, parse(request(method)), target, kOurVia, "relayed " + std::string(method));
  }
  // Advances the fake clock in 50 ms steps, polling like the timer thread would.
  void run_until(int64_t t) {
    while (now_ < t) {
      now_ += 50;
      timers_.poll(now_);
    }
  }
  std::vector<int64_t> resend_times() const {
    std::vector<int64_t> out;
    for (const auto& s : sender_.sent)
      if (s.to.port == 7000) out.push_back(s.at);
    return out;
  }
  std::vector<std::string> to_caller() const {
    std::vector<std::string> out;
    for (const auto& s : sender_.sent)
      if (s.to.port == caller_.port) out.push_back(s.bytes);
    return out;
  }

  test::Telemetry t_;
  int64_t now_ = 0;
  FakeSender sender_;
  Retransmitter timers_{&sender_, {500, 4000}, 64, [this] { return now_; }};
  ClientTransactions table_{timers_, nullptr, 0, t_.metrics};
  net::Flow caller_ = udp(5062);
  std::deque<std::string> texts_;
  std::deque<sip::Message> msgs_;
};

TEST_F(ClientTransactionsTest, UnansweredInviteIsResentOnTimerAAndTheCallerGets408AtTimerB) {
  uint64_t retransmissions = counter("imsguard_sip_client_retransmissions_total");
  uint64_t timeouts = counter("imsguard_sip_client_timeouts_total");
  relay("INVITE");
  run_until(40000);
  // T1 doubling without a cap: 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s; Timer B at 32 s.
  EXPECT_EQ(resend_times(), (std::vector<int64_t>{500, 1500, 3500, 7500, 15500, 31500}));
  for (const auto& s : sender_.sent) {
    if (s.to.port == 7000) {
      EXPECT_EQ(s.bytes, "relayed INVITE");
    }
  }
  auto caller = to_caller();
  ASSERT_EQ(caller.size(), 1u);
  EXPECT_EQ(caller[0].rfind("SIP/2.0 408 Request Timeout\r\n", 0), 0u) << caller[0];
  EXPECT_NE(caller[0].find("branch=z9hG4bKcaller"), std::string::npos) << "answered on the caller's Via";
  EXPECT_NE(caller[0].find("CSeq: 1 INVITE"), std::string::npos);
  EXPECT_EQ(timers_.size(), 0u);
  EXPECT_EQ(counter("imsguard_sip_client_retransmissions_total") - retransmissions, 6u);
  EXPECT_EQ(counter("imsguard_sip_client_timeouts_total") - timeouts, 1u);
}

TEST_F(ClientTransactionsTest, UnansweredMessageIsResentOnTimerECappedAtT2) {
  relay("MESSAGE");
  run_until(40000);
  EXPECT_EQ(resend_times(),
            (std::vector<int64_t>{500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500}));
  ASSERT_EQ(to_caller().size(), 1u);
  EXPECT_EQ(to_caller()[0].rfind("SIP/2.0 408 ", 0), 0u);
}

TEST_F(ClientTransactionsTest, ProvisionalStopsAnInviteAndAFinalAnswerStopsTheRest) {
  relay("INVITE");
  run_until(600);
  table_.on_response(parse(response(180, "INVITE")));
  run_until(40000);
  EXPECT_EQ(resend_times(), (std::vector<int64_t>{500}));
  EXPECT_TRUE(to_caller().empty()) << "no 408 after the callee answered";

  sender_.sent.clear();
  relay("MESSAGE");
  run_until(now_ + 1000);
  table_.on_response(parse(response(200, "MESSAGE")));
  run_until(now_ + 40000);
  EXPECT_EQ(resend_times().size(), 1u);
  EXPECT_TRUE(to_caller().empty());
  EXPECT_EQ(timers_.size(), 0u);
}

TEST_F(ClientTransactionsTest, ProvisionalToANonInviteSlowsItToT2) {
  relay("MESSAGE");
  run_until(1000);  // one resend at 500
  table_.on_response(parse(response(100, "MESSAGE")));
  run_until(10000);
  // Proceeding: every T2 from the 1xx on (1000 + 4000, + 4000).
  EXPECT_EQ(resend_times(), (std::vector<int64_t>{500, 5000, 9000}));
  table_.on_response(parse(response(200, "MESSAGE")));
  run_until(40000);
  EXPECT_EQ(resend_times().size(), 3u);
  EXPECT_TRUE(to_caller().empty());
}

TEST_F(ClientTransactionsTest, AResponseOfAnotherMethodOrBranchLeavesTheTransactionAlone) {
  relay("INVITE");
  table_.on_response(parse(response(200, "CANCEL")));  // CANCEL shares our branch, not our method
  EXPECT_EQ(timers_.size(), 1u);
  std::string other = response(200, "INVITE");
  other.replace(other.find("z9hG4bKedge1"), 12, "z9hG4bKedge9");
  table_.on_response(parse(other));
  EXPECT_EQ(timers_.size(), 1u);
}

TEST_F(ClientTransactionsTest, RelayedAgainKeepsOneTransaction) {
  relay("INVITE");
  run_until(700);
  relay("INVITE");  // the caller's retransmission, relayed statelessly under the same branch
  EXPECT_EQ(timers_.size(), 1u);
  run_until(1600);
  EXPECT_EQ(resend_times(), (std::vector<int64_t>{500, 1500})) << "the schedule did not restart";
}

TEST_F(ClientTransactionsTest, AckReliableTargetsAndAFullTableAreNotTracked) {
  relay("ACK");
  net::Flow tcp = udp(7000);
  tcp.transport = config::Transport::kTcp;
  relay("MESSAGE", tcp);
  EXPECT_EQ(timers_.size(), 0u);

  Retransmitter small(&sender_, {500, 4000}, 1, [this] { return now_; });
  ClientTransactions table(small, nullptr, 0, t_.metrics);
  uint64_t full = counter("imsguard_sip_client_transactions_total{event=\"untracked_table_full\"}");
  table.relayed(caller_, parse(request("MESSAGE")), udp(7000), kOurVia, "a");
  table.relayed(caller_, parse(request("OPTIONS")), udp(7000), kOurVia, "b");
  EXPECT_EQ(small.size(), 1u);
  EXPECT_EQ(counter("imsguard_sip_client_transactions_total{event=\"untracked_table_full\"}") - full, 1u);
}

TEST_F(ClientTransactionsTest, BytesHeldAreBoundedToo) {
  Retransmitter small(&sender_, {500, 4000}, 2, [this] { return now_; });  // 2 entries, 8 KiB
  ClientTransactions table(small, nullptr, 0, t_.metrics);
  uint64_t full = counter("imsguard_sip_client_transactions_total{event=\"untracked_table_full\"}");
  table.relayed(caller_, parse(request("MESSAGE")), udp(7000), kOurVia, std::string(9000, 'x'));
  EXPECT_EQ(small.size(), 0u) << "a 9000-byte request does not fit in 8 KiB";
  EXPECT_EQ(counter("imsguard_sip_client_transactions_total{event=\"untracked_table_full\"}") - full, 1u);
  table.relayed(caller_, parse(request("MESSAGE")), udp(7000), kOurVia, std::string(3000, 'x'));
  EXPECT_EQ(small.size(), 1u);
  // Once answered, its bytes are free again.
  table.on_response(parse(response(200, "MESSAGE")));
  EXPECT_EQ(small.size(), 0u);
  table.relayed(caller_, parse(request("MESSAGE")), udp(7000), kOurVia, std::string(7000, 'x'));
  EXPECT_EQ(small.size(), 1u);
}

// The relay as the edge runs it: the caller's request opens a server transaction that is
// marked relayed, and the client transaction knows where to store what the caller is told.
class RelayedTransactionsTest : public ClientTransactionsTest {
 protected:
  struct Responses : net::Responder {
    std::vector<std::string> sent;
    void send(std::string_view bytes) override { sent.emplace_back(bytes); }
  };
  // The caller's request (a retransmission when sent again): what the server transaction did.
  ServerTransactions::Opened from_caller(std::string_view method) {
    return callers_.open(caller_, parse(request(method)), caller_replies_);
  }
  // The request as the edge relays it: our Via on top and a Route for the next hop.
  static std::string as_relayed(std::string_view method) {
    std::string r = request(method);
    size_t line = r.find("\r\n") + 2;
    return r.substr(0, line) + "Via: " + std::string(kOurVia) + "\r\nRoute: <sip:term@10.0.0.9;lr>\r\n" +
           r.substr(line);
  }
  void relay_from_caller(std::string_view method, const net::Flow& target = udp(7000)) {
    auto opened = from_caller(method);
    ASSERT_EQ(opened.match, ServerTransactions::Match::kNew);
    callers_.relayed(opened.key);
    relay_with(table_c_, method, target);
  }
  void relay_with(ClientTransactions& table, std::string_view method, const net::Flow& target = udp(7000)) {
    table.relayed(caller_, parse(request(method)), target, kOurVia, as_relayed(method));
  }
  std::vector<std::string> to_callee() const {
    std::vector<std::string> out;
    for (const auto& s : sender_.sent)
      if (s.to.port == 7000) out.push_back(s.bytes);
    return out;
  }

  ServerTransactions callers_{t_.metrics, 4096, 32000, &timers_};
  ClientTransactions table_c_{timers_, &callers_, 181000, t_.metrics};
  Responses caller_replies_;
};

TEST_F(RelayedTransactionsTest, TheCallersRetransmissionGetsThe408OfTimerF) {
  relay_from_caller("MESSAGE");
  EXPECT_EQ(from_caller("MESSAGE").match, ServerTransactions::Match::kRelay) << "no answer yet: relayed again";
  run_until(40000);
  ASSERT_EQ(to_caller().size(), 1u);
  size_t to_callee_before = to_callee().size();
  // Now the caller's next copy is answered from the server transaction, not relayed.
  EXPECT_EQ(from_caller("MESSAGE").match, ServerTransactions::Match::kAbsorbed);
  ASSERT_EQ(caller_replies_.sent.size(), 1u);
  EXPECT_EQ(caller_replies_.sent[0], to_caller()[0]);
  EXPECT_EQ(to_callee().size(), to_callee_before);
}

TEST_F(RelayedTransactionsTest, The408ToAnInviteWaitsForItsAckAndEndsTimerC) {
  relay_from_caller("INVITE");
  EXPECT_EQ(table_c_.pending_invites(), 1u);
  run_until(32000);  // Timer B
  ASSERT_EQ(to_caller().size(), 1u);
  EXPECT_EQ(to_caller()[0].rfind("SIP/2.0 408 ", 0), 0u);
  EXPECT_EQ(table_c_.pending_invites(), 0u) << "Timer B answered: Timer C has nothing left to do";
  run_until(33000);  // Timer G: the 408 again at 32.5 s
  EXPECT_EQ(to_caller().size(), 2u);
  EXPECT_EQ(from_caller("ACK").match, ServerTransactions::Match::kAbsorbed) << "the ACK of our own 408 ends here";
  run_until(300000);
  EXPECT_EQ(to_caller().size(), 2u) << "no second 408 from Timer C, no Timer G after the ACK";
  EXPECT_EQ(timers_.size(), 0u);
}

TEST_F(RelayedTransactionsTest, AFinalAnswerRelayedBackIsWhatARetransmissionGets) {
  relay_from_caller("MESSAGE");
  const sip::Message& answer = parse(response(486, "MESSAGE"));
  table_c_.on_response(answer);
  table_c_.relayed_back(caller_, answer, "SIP/2.0 486 as relayed\r\n\r\n");
  EXPECT_EQ(from_caller("MESSAGE").match, ServerTransactions::Match::kAbsorbed);
  ASSERT_EQ(caller_replies_.sent.size(), 1u);
  EXPECT_EQ(caller_replies_.sent[0], "SIP/2.0 486 as relayed\r\n\r\n");

  // A non-2xx answer to a relayed INVITE: the INVITE gets it again, its ACK goes on to the callee.
  relay_from_caller("INVITE");
  const sip::Message& busy = parse(response(486, "INVITE"));
  table_c_.on_response(busy);
  table_c_.relayed_back(caller_, busy, "SIP/2.0 486 busy\r\n\r\n");
  EXPECT_EQ(table_c_.pending_invites(), 0u);
  EXPECT_EQ(from_caller("INVITE").match, ServerTransactions::Match::kAbsorbed);
  EXPECT_EQ(caller_replies_.sent.back(), "SIP/2.0 486 busy\r\n\r\n");
  EXPECT_EQ(from_caller("ACK").match, ServerTransactions::Match::kRelay);
  run_until(40000);
  EXPECT_TRUE(to_caller().empty()) << "the callee answered: no 408, and no Timer G of ours for its answer";
}

TEST_F(RelayedTransactionsTest, TimerCCancelsACalleeThatRangTooLong) {
  uint64_t fired = counter("imsguard_sip_timer_c_total");
  relay_from_caller("INVITE");
  run_until(1000);
  table_c_.on_response(parse(response(180, "INVITE")));  // at 1 s: Timer C restarts
  run_until(100000);
  table_c_.on_response(parse(response(183, "INVITE")));  // at 100 s: and again
  run_until(280950);
  auto callee = to_callee();
  ASSERT_EQ(callee.size(), 1u) << "only the resend at 0.5 s so far: Timer C runs from the last provisional";
  run_until(281000);  // 100 s + 181 s
  callee = to_callee();
  ASSERT_EQ(callee.size(), 2u);
  const std::string& cancel = callee[1];
  EXPECT_EQ(cancel.rfind("CANCEL sip:bob@ims.local SIP/2.0\r\n", 0), 0u) << cancel;
  EXPECT_NE(cancel.find("Via: " + std::string(kOurVia) + "\r\n"), std::string::npos) << "the INVITE's top Via";
  EXPECT_NE(cancel.find("Route: <sip:term@10.0.0.9;lr>\r\n"), std::string::npos) << "the INVITE's Route set";
  EXPECT_NE(cancel.find("CSeq: 1 CANCEL\r\n"), std::string::npos);
  EXPECT_NE(cancel.find("Call-ID: ct-1\r\n"), std::string::npos);
  EXPECT_EQ(counter("imsguard_sip_timer_c_total") - fired, 1u);
  EXPECT_TRUE(to_caller().empty());
  // The CANCEL is a client transaction of its own: resent until the callee answers it.
  run_until(281500);
  EXPECT_EQ(to_callee().size(), 3u);
  table_c_.on_response(parse(response(200, "CANCEL")));
  table_c_.on_response(parse(response(487, "INVITE")));
  run_until(400000);
  EXPECT_EQ(to_callee().size(), 3u);
  EXPECT_TRUE(to_caller().empty()) << "the callee's 487 is the caller's answer, relayed";
  EXPECT_EQ(table_c_.pending_invites(), 0u);
  EXPECT_EQ(timers_.size(), 0u);
}

TEST_F(RelayedTransactionsTest, A100TryingAllowsTheCancelButDoesNotRestartTimerC) {
  relay_from_caller("INVITE");
  run_until(1000);
  table_c_.on_response(parse(response(100, "INVITE")));
  run_until(180950);
  ASSERT_EQ(to_callee().size(), 1u) << "the resend at 0.5 s; Timer A stopped at the 100";
  run_until(181000);  // from the relay, not from the 100
  ASSERT_EQ(to_callee().size(), 2u);
  EXPECT_EQ(to_callee()[1].rfind("CANCEL ", 0), 0u) << to_callee()[1];
}

TEST_F(RelayedTransactionsTest, ACalleeThatIgnoresTheCancelEndsIn408) {
  relay_from_caller("INVITE");
  table_c_.on_response(parse(response(180, "INVITE")));
  run_until(181000);
  ASSERT_EQ(to_callee().size(), 1u) << "the 180 came before any resend: only the CANCEL";
  EXPECT_EQ(to_callee()[0].rfind("CANCEL ", 0), 0u);
  run_until(181000 + 32000);
  ASSERT_EQ(to_caller().size(), 1u) << "64*T1 after the CANCEL without a final answer";
  EXPECT_EQ(to_caller()[0].rfind("SIP/2.0 408 ", 0), 0u);
  EXPECT_EQ(table_c_.pending_invites(), 0u);
}

TEST_F(RelayedTransactionsTest, TimerCWithoutAProvisionalAnswers408AndStopsTheInvite) {
  ClientTransactions short_c(timers_, &callers_, 5000, t_.metrics);
  auto opened = from_caller("INVITE");
  callers_.relayed(opened.key);
  relay_with(short_c, "INVITE");
  run_until(5000);
  ASSERT_EQ(to_caller().size(), 1u);
  EXPECT_EQ(to_caller()[0].rfind("SIP/2.0 408 ", 0), 0u);
  run_until(10000);
  // Timer A at 0.5, 1.5, 3.5 s; Timer C at 5 s stopped it.
  EXPECT_EQ(resend_times(), (std::vector<int64_t>{500, 1500, 3500}));
  EXPECT_GT(to_caller().size(), 1u) << "the 408 to an INVITE is resent on Timer G until the ACK";
  EXPECT_EQ(from_caller("INVITE").match, ServerTransactions::Match::kAbsorbed);
  EXPECT_EQ(caller_replies_.sent.back(), to_caller()[0]);
}

TEST_F(RelayedTransactionsTest, AnInviteOverTcpRunsTimerCOnly) {
  net::Flow tcp = udp(7000);
  tcp.transport = config::Transport::kTcp;
  relay_with(table_c_, "INVITE", tcp);
  EXPECT_EQ(timers_.size(), 1u) << "Timer C, no retransmissions";
  EXPECT_EQ(table_c_.pending_invites(), 1u);
  table_c_.on_response(parse(response(200, "INVITE")));
  EXPECT_EQ(timers_.size(), 0u);
  EXPECT_EQ(table_c_.pending_invites(), 0u);
}

TEST(CancelRequest, CopiesWhatRfc3261Section91Asks) {
  std::string invite =
      "INVITE sip:bob@10.0.0.2:5070 SIP/2.0\r\nVia: SIP/2.0/UDP e:5060;branch=z9hG4bKe1\r\nVia: SIP/2.0/UDP c;branch=z9hG4bKc\r\n"
      "Route: <sip:a;lr>\r\nRoute: <sip:b;lr>, <sip:c;lr>\r\nMax-Forwards: 69\r\nf: <sip:alice@ims.local>;tag=1\r\n"
      "To: <sip:bob@ims.local>\r\nCall-ID: cx\r\nCSeq: 7 INVITE\r\nContent-Type: application/sdp\r\n"
      "Content-Length: 3\r\n\r\nv=0";
  sip::Message m;
  ASSERT_EQ(sip::parse_datagram(invite, sip::Limits{}, m).status, sip::ParseStatus::kOk);
  EXPECT_EQ(make_cancel(m, "SIP/2.0/UDP e:5060;branch=z9hG4bKe1"),
            "CANCEL sip:bob@10.0.0.2:5070 SIP/2.0\r\nVia: SIP/2.0/UDP e:5060;branch=z9hG4bKe1\r\n"
            "Route: <sip:a;lr>\r\nRoute: <sip:b;lr>, <sip:c;lr>\r\nMax-Forwards: 70\r\nFrom: <sip:alice@ims.local>;tag=1\r\n"
            "To: <sip:bob@ims.local>\r\nCall-ID: cx\r\nCSeq: 7 CANCEL\r\nContent-Length: 0\r\n\r\n");
}

TEST(ClientTransactionKey, IsOurBranchAndTheMethod) {
  EXPECT_EQ(ClientTransactions::key(kOurVia, "INVITE"), "c|z9hG4bKedge1|INVITE");
  EXPECT_EQ(ClientTransactions::key("SIP/2.0/UDP h;branch=z9hG4bKx", "BYE"), "c|z9hG4bKx|BYE");
}

}  // namespace

// The edge's own requests (the BYEs ending a call the media policy refused): over UDP resent
// on Timer E until any answer through our Via, silently dropped at Timer F (nobody is owed a
// 408); an ACK is never tracked; over TCP/TLS the transport retransmits.
TEST_F(ClientTransactionsTest, TheEdgesOwnByeIsResentOnTimerEUntilAnsweredAndDroppedAtTimerF) {
  std::string bye = "BYE sip:erin@127.0.0.1:7000 SIP/2.0\r\nVia: " + std::string(kOurVia) +
                    "\r\nMax-Forwards: 70\r\nFrom: <sip:alice@ims.local>;tag=1\r\nTo: <sip:bob@ims.local>;tag=2\r\n"
                    "Call-ID: ct-1\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n";
  table_.own_request_sent(udp(7000), bye);
  run_until(1600);
  EXPECT_EQ(resend_times(), (std::vector<int64_t>{500, 1500}));
  std::string ok = "SIP/2.0 200 OK\r\nVia: " + std::string(kOurVia) +
                   "\r\nFrom: <sip:alice@ims.local>;tag=1\r\nTo: <sip:bob@ims.local>;tag=2\r\nCall-ID: ct-1\r\n"
                   "CSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n";
  table_.on_response(parse(ok));
  run_until(40000);
  EXPECT_EQ(resend_times(), (std::vector<int64_t>{500, 1500})) << "resent after its answer";
  EXPECT_EQ(timers_.size(), 0u);

  sender_.sent.clear();
  table_.own_request_sent(udp(7000), bye);  // never answered: Timer F ends it without a word
  run_until(80000);
  EXPECT_EQ(resend_times().size(), 10u);
  EXPECT_TRUE(to_caller().empty());
  EXPECT_EQ(timers_.size(), 0u);

  sender_.sent.clear();
  std::string ack = "ACK" + bye.substr(3);
  ack.replace(ack.find("CSeq: 2 BYE"), 11, "CSeq: 1 ACK");
  table_.own_request_sent(udp(7000), ack);
  net::Flow tcp = udp(7000);
  tcp.transport = config::Transport::kTcp;
  table_.own_request_sent(tcp, bye);
  EXPECT_EQ(timers_.size(), 0u) << "an ACK, or a request over TCP, is not tracked";
}
