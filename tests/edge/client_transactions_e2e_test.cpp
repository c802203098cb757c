// Client transactions end to end, over UDP with raw sockets (no peer retransmits on its
// own): a callee that ignores the first copy of a MESSAGE gets the edge's retransmission
// and its answer reaches the caller; a callee that never answers makes the caller get
// 408 Request Timeout from the edge at Timer F, and the caller's retransmission after it gets
// the same 408 from the edge's server transaction; a callee that rings and never answers
// gets a CANCEL on Timer C. With a raw socket playing an external S-CSCF: a REGISTER whose
// first copy it drops is retransmitted, one it never answers yields 408 to the client, and
// its own request to a client that drops the first copy is retransmitted by the edge.
// Short timers (T1 = 100 ms, Timer C = 2 s) keep it quick.
#include "imsguard_process.h"
#include "process.h"
#include "sip_socket.h"

#include "digest_phone.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

std::string request(const std::string& method, const std::string& ruri, const std::string& from_impu,
                    const std::string& to, UdpPeer& peer, int cseq, const std::string& call_id,
                    const std::string& extra = "") {
  static int branch = 0;
  std::string port = std::to_string(peer.local_port());
  return method + " " + ruri + " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + port + ";branch=z9hG4bKctx" +
         std::to_string(++branch) + "\r\nMax-Forwards: 70\r\nFrom: <" + from_impu + ">;tag=ctx" + port + "\r\nTo: <" +
         to + ">\r\nCall-ID: " + call_id + "\r\nCSeq: " + std::to_string(cseq) + " " + method + "\r\n" + extra +
         "Content-Length: 0\r\n\r\n";
}

// The next datagram that is a response (requests such as keep-alives are skipped).
std::optional<std::string> next_response(UdpPeer& peer, std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    auto got = peer.receive(std::max(left, 1ms));
    if (!got) return std::nullopt;
    if (status_of(*got) > 0) return got;
  }
  return std::nullopt;
}

// The next datagram that is a request (responses skipped).
std::optional<std::string> next_request(UdpPeer& peer, std::chrono::milliseconds timeout) {
  auto got = peer.receive(timeout);
  while (got && status_of(*got) > 0) got = peer.receive(timeout);
  return got;
}

// `caller` sends `req` through the edge to `callee`, which stays silent: it sees the request
// at least twice (the edge retransmits), the caller then gets the edge's 408 (Timer F), and
// the caller's retransmission of `req` after it gets the same 408 from the edge's server
// transaction, without the callee seeing it again.
void silent_callee_gives_408_twice(UdpPeer& caller, UdpPeer& callee, uint16_t edge_port, const std::string& req,
                                   const std::string& call_id) {
  caller.send(req, edge_port);
  int copies = 0;
  while (next_request(callee, 1500ms)) ++copies;
  EXPECT_GE(copies, 2) << "the first copy and at least one retransmission";
  auto answer = next_response(caller, 10s);
  ASSERT_TRUE(answer) << "no 408 from the edge";
  EXPECT_EQ(status_of(*answer), 408) << *answer;
  EXPECT_EQ(header_of(*answer, "Call-ID"), call_id);
  caller.send(req, edge_port);
  auto again = next_response(caller, 5s);
  ASSERT_TRUE(again) << "the retransmission was not answered";
  EXPECT_EQ(*again, *answer) << "the stored 408, byte for byte";
  auto relayed = next_request(callee, 1500ms);
  EXPECT_FALSE(relayed) << "answered by the edge, not relayed again: " << *relayed;
}

// Registers `impi` with Digest over UDP from `peer` (challenge, answer); the final status.
int register_udp(UdpPeer& peer, uint16_t edge_port, const std::string& impi, const std::string& impu,
                 const std::string& password) {
  std::string call_id = "ctx-reg-" + std::to_string(peer.local_port());
  std::string contact = "Contact: <sip:u@127.0.0.1:" + std::to_string(peer.local_port()) + ">\r\nExpires: 600\r\n";
  peer.send(request("REGISTER", "sip:ims.local", impu, impu, peer, 1, call_id, contact), edge_port);
  auto challenge = next_response(peer, 5s);
  if (!challenge || status_of(*challenge) != 401) return challenge ? status_of(*challenge) : 0;
  auto c = DigestPhone::challenge_of(*challenge);
  if (!c) return 0;
  std::string auth = DigestPhone::answer(*c, impi, password);
  if (auth.empty()) return 0;
  peer.send(request("REGISTER", "sip:ims.local", impu, impu, peer, 2, call_id, contact + auth), edge_port);
  auto final = next_response(peer, 5s);
  return final ? status_of(*final) : 0;
}

// A 200 to `req` as its callee would send it: every Via, From, To with a tag, Call-ID, CSeq.
std::string ok_for(const std::string& req) {
  std::string out = "SIP/2.0 200 OK\r\n";
  size_t at = req.find("\r\n") + 2;
  while (at < req.size()) {
    size_t end = req.find("\r\n", at);
    std::string line = req.substr(at, end - at);
    if (line.empty()) break;
    for (const char* name : {"Via:", "From:", "Call-ID:", "CSeq:"})
      if (line.rfind(name, 0) == 0) out += line + "\r\n";
    if (line.rfind("To:", 0) == 0) out += line + ";tag=callee\r\n";
    at = end + 2;
  }
  return out + "Content-Length: 0\r\n\r\n";
}

class ClientTransactionsE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    ImsguardOptions o;
    o.tls = false;
    o.sip_yaml = "  timers: { t1_ms: 100, t2_ms: 400, c_ms: 2000 }\n";
    // Raw-socket phones that do not answer a 407 (UdpRequestChallengeE2e covers it): the
    // retransmissions of relayed requests are this fixture's subject.
    o.auth_yaml = "  challenge_udp_requests: false\n";
    ASSERT_TRUE(edge_.start(o)) << edge_.log();
    std::string dir = edge_.data_dir();
    ChildProcess add;
    ASSERT_TRUE(add.start({IMSGUARD_BIN, "subscriber", "add", "--data-dir", dir, "--impi", "erin@ims.local", "--impu",
                           "sip:erin@ims.local", "--password", "erin-secret"},
                          dir + "/add.log"));
    ASSERT_EQ(add.wait(30s), 0) << read_file(dir + "/add.log");
    alice_impu_ = edge_.demo("digest", "impu");
    ASSERT_EQ(register_udp(bob_, edge_.sip_port(), "erin@ims.local", "sip:erin@ims.local", "erin-secret"), 200)
        << edge_.log();
    ASSERT_EQ(register_udp(alice_, edge_.sip_port(), edge_.demo("digest", "impi"), alice_impu_,
                           edge_.demo("digest", "password")),
              200)
        << edge_.log();
  }

  // The next request bob receives (responses and anything else skipped).
  std::optional<std::string> bob_request(std::chrono::milliseconds timeout) { return next_request(bob_, timeout); }

  ImsguardProcess edge_;
  UdpPeer alice_, bob_;
  std::string alice_impu_;
};

TEST_F(ClientTransactionsE2e, ACalleeThatMissedTheFirstCopyGetsTheRetransmission) {
  alice_.send(request("MESSAGE", "sip:erin@ims.local", alice_impu_, "sip:erin@ims.local", alice_, 1, "ctx-msg-1"),
              edge_.sip_port());
  auto first = bob_request(5s);
  ASSERT_TRUE(first) << edge_.log();
  EXPECT_EQ(first->rfind("MESSAGE sip:erin@ims.local SIP/2.0", 0), 0u) << *first;
  // Bob "loses" it; alice sends nothing more: the second copy can only come from the edge.
  auto second = bob_request(5s);
  ASSERT_TRUE(second) << "no retransmission from the edge";
  EXPECT_EQ(header_of(*second, "Call-ID"), "ctx-msg-1");
  EXPECT_EQ(header_of(*second, "Via"), header_of(*first, "Via")) << "the same client transaction (our branch)";
  bob_.send(ok_for(*second), edge_.sip_port());
  auto answer = next_response(alice_, 5s);
  ASSERT_TRUE(answer);
  EXPECT_EQ(status_of(*answer), 200) << *answer;
  // Answered: no 408 later (Timer F would be at 6.4 s).
  auto late = next_response(alice_, 8s);
  EXPECT_FALSE(late) << *late;
}

TEST_F(ClientTransactionsE2e, ACalleeThatNeverAnswersMakesTheCallerGet408AndItsRetransmissionTheSame) {
  std::string msg = request("MESSAGE", "sip:erin@ims.local", alice_impu_, "sip:erin@ims.local", alice_, 1, "ctx-msg-2");
  silent_callee_gives_408_twice(alice_, bob_, edge_.sip_port(), msg, "ctx-msg-2");
  if (HasFailure()) ADD_FAILURE() << edge_.log();
}

// A caller behind a NAT (its Via names a private address and asks for rport): the callee
// sees the caller's Via, below the edge's, annotated with its source (RFC 3581), and the
// answer relayed back carries it to the caller.
TEST_F(ClientTransactionsE2e, ARelayedMessageCarriesTheCallersSourceInItsVia) {
  std::string msg = request("MESSAGE", "sip:erin@ims.local", alice_impu_, "sip:erin@ims.local", alice_, 1, "ctx-nat-1");
  std::string own_via = "SIP/2.0/UDP 127.0.0.1:" + std::to_string(alice_.local_port()) + ";";
  ASSERT_NE(msg.find(own_via), std::string::npos);
  msg.replace(msg.find(own_via), own_via.size(), "SIP/2.0/UDP 192.168.1.20:5062;rport;");
  alice_.send(msg, edge_.sip_port());
  auto relayed = bob_request(5s);
  ASSERT_TRUE(relayed) << edge_.log();
  std::string annotated = ";received=127.0.0.1;rport=" + std::to_string(alice_.local_port());
  size_t caller_via = relayed->find("\r\nVia: SIP/2.0/UDP 192.168.1.20:5062;branch=");
  ASSERT_NE(caller_via, std::string::npos) << *relayed;
  EXPECT_GT(caller_via, relayed->find("\r\nVia: ")) << "below the edge's Via: " << *relayed;
  EXPECT_EQ(relayed->substr(relayed->find("\r\n", caller_via + 2) - annotated.size(), annotated.size()), annotated)
      << *relayed;
  bob_.send(ok_for(*relayed), edge_.sip_port());
  auto answer = next_response(alice_, 5s);
  ASSERT_TRUE(answer) << edge_.log();
  EXPECT_EQ(status_of(*answer), 200) << *answer;
  std::string via = header_of(*answer, "Via");
  EXPECT_EQ(via.rfind("SIP/2.0/UDP 192.168.1.20:5062;branch=", 0), 0u) << *answer;
  EXPECT_EQ(via.substr(via.size() - std::min(via.size(), annotated.size())), annotated) << *answer;
}

// Like ok_for with another status line (a 180, a 487).
std::string answer_for(const std::string& req, int code, const std::string& reason) {
  std::string ok = ok_for(req);
  return "SIP/2.0 " + std::to_string(code) + " " + reason + ok.substr(ok.find("\r\n"));
}

std::string branch_of(const std::string& via) {
  size_t at = via.find("branch=");
  if (at == std::string::npos) return {};
  return via.substr(at + 7, via.find_first_of(";,", at + 7) - (at + 7));
}

TEST_F(ClientTransactionsE2e, TimerCCancelsACalleeThatRingsAndNeverAnswers) {
  std::string contact = "Contact: <sip:a@127.0.0.1:" + std::to_string(alice_.local_port()) + ">\r\n";
  alice_.send(request("INVITE", "sip:erin@ims.local", alice_impu_, "sip:erin@ims.local", alice_, 1, "ctx-inv-1", contact),
              edge_.sip_port());
  auto invite = bob_request(5s);
  ASSERT_TRUE(invite) << edge_.log();
  ASSERT_EQ(invite->rfind("INVITE ", 0), 0u) << *invite;
  bob_.send(answer_for(*invite, 180, "Ringing"), edge_.sip_port());
  auto ringing = next_response(alice_, 5s);
  ASSERT_TRUE(ringing) << edge_.log();
  EXPECT_EQ(status_of(*ringing), 180) << *ringing;
  // Bob rings on; 2 s after the 180 the edge gives up on him.
  // Under load the edge may have resent the INVITE (Timer A) before bob's 180 reached it:
  // such copies come first and are not what this test waits for.
  auto cancel = bob_request(6s);
  while (cancel && cancel->rfind("INVITE ", 0) == 0) cancel = bob_request(6s);
  ASSERT_TRUE(cancel) << "no CANCEL from Timer C\n" << edge_.log();
  EXPECT_EQ(cancel->rfind("CANCEL sip:erin@ims.local SIP/2.0\r\n", 0), 0u) << *cancel;
  EXPECT_EQ(branch_of(header_of(*cancel, "Via")), branch_of(header_of(*invite, "Via")))
      << "the INVITE's branch, so bob's INVITE transaction matches it";
  EXPECT_EQ(header_of(*cancel, "CSeq"), "1 CANCEL");
  EXPECT_EQ(header_of(*cancel, "Call-ID"), "ctx-inv-1");
  EXPECT_EQ(header_of(*cancel, "To"), header_of(*invite, "To"));
  bob_.send(ok_for(*cancel), edge_.sip_port());
  bob_.send(answer_for(*invite, 487, "Request Terminated"), edge_.sip_port());
  auto terminated = next_response(alice_, 5s);
  ASSERT_TRUE(terminated) << edge_.log();
  EXPECT_EQ(status_of(*terminated), 487) << "the callee's answer to the CANCEL stays at the edge: " << *terminated;
  EXPECT_EQ(header_of(*terminated, "CSeq"), "1 INVITE");
  auto more = next_response(alice_, 1500ms);
  EXPECT_FALSE(more) << *more;
}

// The edge as a P-CSCF before an external S-CSCF played by a raw UDP socket.
class ExternalCoreTransactionsE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    ImsguardOptions o;
    o.tls = false;
    o.roles = "[edge]";
    o.sip_yaml = "  timers: { t1_ms: 100, t2_ms: 400 }\n";
    o.extra_yaml = "core: { scscf: \"sip:127.0.0.1:" + std::to_string(scscf_.local_port()) + "\" }\n";
    ASSERT_TRUE(edge_.start(o)) << edge_.log();
  }

  std::string register_request(int cseq, const std::string& call_id) {
    std::string contact = "Contact: <sip:carol@127.0.0.1:" + std::to_string(client_.local_port()) + ">\r\nExpires: 600\r\n";
    return request("REGISTER", "sip:ims.local", "sip:carol@ims.local", "sip:carol@ims.local", client_, cseq, call_id, contact);
  }
  std::optional<std::string> scscf_request(std::chrono::milliseconds timeout) { return next_request(scscf_, timeout); }

  UdpPeer scscf_, client_;
  ImsguardProcess edge_;
};

TEST_F(ExternalCoreTransactionsE2e, ARegisterWhoseFirstCopyTheScscfDroppedIsRetransmitted) {
  client_.send(register_request(1, "ctx-ext-1"), edge_.sip_port());
  auto first = scscf_request(5s);
  ASSERT_TRUE(first) << edge_.log();
  ASSERT_EQ(first->rfind("REGISTER ", 0), 0u) << *first;
  auto second = scscf_request(5s);
  ASSERT_TRUE(second) << "no retransmission from the edge";
  EXPECT_EQ(header_of(*second, "Via"), header_of(*first, "Via")) << "the same client transaction";
  std::string ok = ok_for(*second);
  ok.insert(ok.find("Content-Length"), "P-Associated-URI: <sip:carol@ims.local>\r\nContact: <sip:carol@127.0.0.1:" +
                                         std::to_string(client_.local_port()) + ">;expires=600\r\n");
  scscf_.send(ok, edge_.sip_port());
  auto answer = next_response(client_, 5s);
  ASSERT_TRUE(answer) << edge_.log();
  EXPECT_EQ(status_of(*answer), 200) << *answer;
  EXPECT_EQ(header_of(*answer, "Call-ID"), "ctx-ext-1");
  // Answered: no more copies, no 408 later (Timer F at 6.4 s).
  EXPECT_FALSE(scscf_request(1500ms));
  auto late = next_response(client_, 7s);
  EXPECT_FALSE(late) << *late;
}

TEST_F(ExternalCoreTransactionsE2e, ARegisterTheScscfNeverAnswersYields408AndItsRetransmissionTheSame) {
  silent_callee_gives_408_twice(client_, scscf_, edge_.sip_port(), register_request(1, "ctx-ext-2"), "ctx-ext-2");
  if (HasFailure()) ADD_FAILURE() << edge_.log();
}

TEST_F(ExternalCoreTransactionsE2e, ARequestFromTheScscfThatTheClientMissedIsRetransmitted) {
  // The client's REGISTER gives the S-CSCF the edge's Path (the flow token back to it).
  client_.send(register_request(1, "ctx-ext-3"), edge_.sip_port());
  auto reg = scscf_request(5s);
  ASSERT_TRUE(reg) << edge_.log();
  std::string path = header_of(*reg, "Path");
  ASSERT_FALSE(path.empty()) << *reg;
  std::string to_client = "sip:carol@127.0.0.1:" + std::to_string(client_.local_port());
  std::string message = "MESSAGE " + to_client + " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" +
                        std::to_string(scscf_.local_port()) + ";branch=z9hG4bKscscf1\r\nRoute: " + path +
                        "\r\nMax-Forwards: 70\r\nFrom: <sip:dave@ims.local>;tag=sc1\r\nTo: <sip:carol@ims.local>\r\n"
                        "Call-ID: ctx-ext-msg\r\nCSeq: 5 MESSAGE\r\nContent-Length: 0\r\n\r\n";
  scscf_.send(message, edge_.sip_port());
  auto first = next_request(client_, 5s);
  ASSERT_TRUE(first) << edge_.log();
  ASSERT_EQ(first->rfind("MESSAGE ", 0), 0u) << *first;
  auto second = next_request(client_, 5s);
  ASSERT_TRUE(second) << "no retransmission from the edge";
  EXPECT_EQ(header_of(*second, "Call-ID"), "ctx-ext-msg");
  EXPECT_EQ(header_of(*second, "Via"), header_of(*first, "Via"));
  client_.send(ok_for(*second), edge_.sip_port());
  auto answer = next_response(scscf_, 5s);
  ASSERT_TRUE(answer) << edge_.log();
  EXPECT_EQ(status_of(*answer), 200) << *answer;
  EXPECT_EQ(header_of(*answer, "Call-ID"), "ctx-ext-msg");
}

}  // namespace
