// Dialog routing through a running `imsguard run`, with raw UDP peers playing the phones
// (so every byte each side sees is checked): the INVITE between two subscribers reaches the
// callee with the edge's Record-Route and without the edge's own Route; ACK and BYE follow
// the recorded route through the edge in both directions; a third registered subscriber
// that copies the route is refused (403), and so is a tampered token; a CANCEL reaches the
// callee with the top Via branch of the INVITE it cancels (RFC 3261 9.1/16.10). Issue 17
// F2: an account whose Contact names another user's AoR does not receive that user's
// requests (no global Contact match).
#include "imsguard_process.h"
#include "process.h"
#include "sip_socket.h"

#include "digest_phone.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <thread>
#include <string>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

struct Phone {
  UdpPeer peer;
  std::string impu;
  std::string tag;
  std::string contact() const { return "sip:u@127.0.0.1:" + std::to_string(peer.local_port()); }
  std::string via(const std::string& branch) const {
    return "Via: SIP/2.0/UDP 127.0.0.1:" + std::to_string(peer.local_port()) + ";branch=z9hG4bK" + branch + "\r\n";
  }
};

std::optional<std::string> next_response(UdpPeer& peer, std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    auto got = peer.receive(std::max(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         until - std::chrono::steady_clock::now()),
                                     1ms));
    if (!got) return std::nullopt;
    if (status_of(*got) > 100) return got;  // 100 Trying is hop by hop: skipped
  }
  return std::nullopt;
}

// The next request (responses skipped); with `method`, requests of other methods too.
std::optional<std::string> next_request(UdpPeer& peer, std::chrono::milliseconds timeout, const std::string& method = "") {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    auto got = peer.receive(std::max(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         until - std::chrono::steady_clock::now()),
                                     1ms));
    if (!got) return std::nullopt;
    if (status_of(*got) == 0 && (method.empty() || got->rfind(method + " ", 0) == 0)) return got;
  }
  return std::nullopt;
}

int register_phone(Phone& p, uint16_t edge_port, const std::string& impi, const std::string& password,
                   const std::string& contact, const std::string& edge_address = "127.0.0.1") {
  std::string call_id = "dr-reg-" + std::to_string(p.peer.local_port());
  auto req = [&](int cseq, const std::string& auth) {
    return "REGISTER sip:ims.local SIP/2.0\r\n" + p.via("reg" + std::to_string(cseq) + call_id) +
           "Max-Forwards: 70\r\nFrom: <" + p.impu + ">;tag=r" + std::to_string(cseq) + "\r\nTo: <" + p.impu +
           ">\r\nCall-ID: " + call_id + "\r\nCSeq: " + std::to_string(cseq) + " REGISTER\r\nContact: <" + contact +
           ">\r\nExpires: 600\r\n" + auth + "Content-Length: 0\r\n\r\n";
  };
  p.peer.send(req(1, ""), edge_port, edge_address);
  auto challenge = next_response(p.peer, 5s);
  if (!challenge || status_of(*challenge) != 401) return challenge ? status_of(*challenge) : 0;
  auto c = DigestPhone::challenge_of(*challenge);
  if (!c) return 0;
  std::string auth = DigestPhone::answer(*c, impi, password);
  if (auth.empty()) return 0;
  p.peer.send(req(2, auth), edge_port, edge_address);
  auto final = next_response(p.peer, 5s);
  return final ? status_of(*final) : 0;
}

// The first element of a Via header value: "SIP/2.0/UDP host:port;branch=...".
std::string branch_of(const std::string& message) {
  std::string via = header_of(message, "Via");
  size_t b = via.find("branch=");
  if (b == std::string::npos) return {};
  size_t end = via.find_first_of(";,", b);
  return via.substr(b + 7, end == std::string::npos ? std::string::npos : end - b - 7);
}

// Every header line named `name`, in order.
std::vector<std::string> headers_named(const std::string& message, const std::string& name) {
  std::vector<std::string> out;
  std::string head = message.substr(0, message.find("\r\n\r\n") + 2);
  for (size_t at = head.find("\r\n"); at != std::string::npos && at + 2 < head.size();) {
    size_t end = head.find("\r\n", at + 2);
    std::string line = head.substr(at + 2, end - at - 2);
    if (line.size() > name.size() && strncasecmp(line.c_str(), (name + ":").c_str(), name.size() + 1) == 0)
      out.push_back(line.substr(line.find_first_not_of(' ', name.size() + 1)));
    at = end;
  }
  return out;
}

// A response to `req` from its UAS: its Vias, From, Call-ID, CSeq; To with `tag`; `extra`.
std::string response_to(const std::string& req, int code, const std::string& reason, const std::string& tag,
                        const std::string& extra = "") {
  std::string out = "SIP/2.0 " + std::to_string(code) + " " + reason + "\r\n";
  size_t at = req.find("\r\n") + 2;
  while (at < req.size()) {
    size_t end = req.find("\r\n", at);
    std::string line = req.substr(at, end - at);
    if (line.empty()) break;
    for (const char* name : {"Via:", "From:", "Call-ID:", "CSeq:", "Record-Route:"})
      if (line.rfind(name, 0) == 0) out += line + "\r\n";
    if (line.rfind("To:", 0) == 0) out += line + (line.find(";tag=") == std::string::npos ? ";tag=" + tag : "") + "\r\n";
    at = end + 2;
  }
  return out + extra + "Content-Length: 0\r\n\r\n";
}

class DialogRoutingE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    ImsguardOptions o;
    o.tls = false;
    o.listen_address = listen_address_;
    o.roles = roles_;
    o.extra_yaml = "media:\n  srtp_policy: " + policy_ + "\n" + more_yaml_;
    // Raw-socket phones that do not answer a 407: the challenge of out-of-dialog UDP requests
    // is UdpRequestChallengeE2e's subject, dialog routing this fixture's.
    o.auth_yaml = "  challenge_udp_requests: false\n";
    ASSERT_TRUE(edge_.start(o)) << edge_.log();
    for (const char* user : {"erin", "mallory", "frank"}) {
      ChildProcess add;
      std::string u(user);
      ASSERT_TRUE(add.start({IMSGUARD_BIN, "subscriber", "add", "--data-dir", edge_.data_dir(), "--impi",
                             u + "@ims.local", "--impu", "sip:" + u + "@ims.local", "--password", u + "-secret"},
                            edge_.data_dir() + "/add.log"));
      ASSERT_EQ(add.wait(30s), 0) << read_file(edge_.data_dir() + "/add.log");
    }
    alice_.impu = edge_.demo("digest", "impu");
    alice_.tag = "a1";
    erin_.impu = "sip:erin@ims.local";
    erin_.tag = "e1";
    mallory_.impu = "sip:mallory@ims.local";
    mallory_.tag = "m1";
    ASSERT_EQ(register_phone(alice_, port(), edge_.demo("digest", "impi"), edge_.demo("digest", "password"),
                             alice_.contact()),
              200)
        << edge_.log();
    ASSERT_EQ(register_phone(erin_, port(), "erin@ims.local", "erin-secret", erin_.contact()), 200) << edge_.log();
  }
  uint16_t port() const { return edge_.sip_port(); }

  std::string invite(const std::string& call_id, const std::string& branch) {
    return "INVITE sip:erin@ims.local SIP/2.0\r\n" + alice_.via(branch) + "Route: <sip:127.0.0.1:" +
           std::to_string(port()) + ";lr>\r\nMax-Forwards: 70\r\nFrom: <" + alice_.impu + ">;tag=" + alice_.tag +
           "\r\nTo: <sip:erin@ims.local>\r\nCall-ID: " + call_id + "\r\nCSeq: 1 INVITE\r\nContact: <" +
           alice_.contact() + ">\r\nContent-Length: 0\r\n\r\n";
  }

  // An INVITE from alice to erin carrying `sdp`.
  std::string invite_with(const std::string& call_id, const std::string& branch, const std::string& sdp) {
    return "INVITE sip:erin@ims.local SIP/2.0\r\n" + alice_.via(branch) + "Max-Forwards: 70\r\nFrom: <" + alice_.impu +
           ">;tag=" + alice_.tag + "\r\nTo: <sip:erin@ims.local>\r\nCall-ID: " + call_id +
           "\r\nCSeq: 1 INVITE\r\nContact: <" + alice_.contact() + ">\r\nContent-Type: application/sdp\r\n"
           "Content-Length: " + std::to_string(sdp.size()) + "\r\n\r\n" + sdp;
  }

  std::string policy_ = "optional";
  std::string listen_address_ = "127.0.0.1";
  std::string roles_ = "[edge, core]";
  std::string more_yaml_;  // top-level sections
  ImsguardProcess edge_;
  // erin's 200 to `inv` with `sdp` as its body.
  std::string erin_ok_with(const std::string& inv, const std::string& sdp) const {
    std::string ok = response_to(inv, 200, "OK", erin_.tag, "Contact: <" + erin_.contact() + ">\r\n");
    return ok.replace(ok.rfind("Content-Length: 0\r\n\r\n"), std::string::npos,
                      "Content-Type: application/sdp\r\nContent-Length: " + std::to_string(sdp.size()) + "\r\n\r\n" + sdp);
  }

  // erin's BYE to alice in dialog `call_id` along `route`, its Via branch ending in `branch`.
  std::string erin_bye(const std::string& call_id, const std::string& branch, const std::string& route) const {
    return "BYE " + alice_.contact() + " SIP/2.0\r\n" + erin_.via(branch) + "Route: " + route +
           "\r\nMax-Forwards: 70\r\nFrom: <sip:erin@ims.local>;tag=" + erin_.tag + "\r\nTo: <" + alice_.impu +
           ">;tag=" + alice_.tag + "\r\nCall-ID: " + call_id + "\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n";
  }

  Phone alice_, erin_, mallory_;
};

const std::string kSdpHead = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n";

// RTP/SAVP whose SDES keys would be stripped on the plain hop is never forwarded keyless.
TEST_F(DialogRoutingE2e, AnSavpOfferWhoseKeysCannotCrossAPlainHopIsRefused) {
  alice_.peer.send(invite_with("dr-savp", "savp", kSdpHead + "m=audio 40000 RTP/SAVP 0\r\n"
                                                  "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n"),
                   port());
  auto answer = next_response(alice_.peer, 5s);
  ASSERT_TRUE(answer) << edge_.log();
  EXPECT_EQ(status_of(*answer), 488) << *answer;
  EXPECT_NE(answer->find("hop without TLS"), std::string::npos) << *answer;
  EXPECT_FALSE(next_request(erin_.peer, 1s, "INVITE")) << "never forwarded as RTP/SAVP without keys";
}

class MandatoryDialogRoutingE2e : public DialogRoutingE2e {
 protected:
  MandatoryDialogRoutingE2e() { policy_ = "mandatory"; }

  // A late offer answered plain: alice's INVITE `call_id` has no SDP (it passes), erin offers
  // DTLS-SRTP in her 200 (it passes to alice), and alice answers plain RTP in the ACK (a
  // transaction of its own: another branch).
  void late_offer_answered_plain(const std::string& call_id, const std::string& invite_branch,
                                 const std::string& ack_branch) {
    alice_.peer.send(invite(call_id, invite_branch), port());
    auto inv = next_request(erin_.peer, 5s, "INVITE");
    ASSERT_TRUE(inv) << "an INVITE without SDP passes: " << edge_.log();
    std::string offer = kSdpHead + "m=audio 40002 UDP/TLS/RTP/SAVP 0\r\na=setup:actpass\r\n"
                        "a=fingerprint:sha-256 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
                        "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89\r\n";
    erin_.peer.send(erin_ok_with(*inv, offer), port());
    auto ok_at_alice = next_response(alice_.peer, 5s);
    ASSERT_TRUE(ok_at_alice) << edge_.log();
    ASSERT_EQ(status_of(*ok_at_alice), 200) << "a DTLS-SRTP offer in the 2xx passes: " << *ok_at_alice;
    auto rr = headers_named(*ok_at_alice, "Record-Route");
    ASSERT_EQ(rr.size(), 1u) << *ok_at_alice;
    std::string plain = kSdpHead + "m=audio 40000 RTP/AVP 0\r\n";
    alice_.peer.send("ACK " + erin_.contact() + " SIP/2.0\r\n" + alice_.via(ack_branch) + "Route: " + rr[0] +
                         "\r\nMax-Forwards: 70\r\nFrom: <" + alice_.impu + ">;tag=" + alice_.tag +
                         "\r\nTo: <sip:erin@ims.local>;tag=" + erin_.tag + "\r\nCall-ID: " + call_id +
                         "\r\nCSeq: 1 ACK\r\nContact: <" + alice_.contact() +
                         ">\r\nContent-Type: application/sdp\r\nContent-Length: " + std::to_string(plain.size()) +
                         "\r\n\r\n" + plain,
                     port());
  }
};

// media.srtp_policy mandatory on the answer: a plain-RTP answer to a DTLS-SRTP offer ends the
// call: erin gets ACK and BYE from the edge, alice a 488 in place of the 200.
TEST_F(MandatoryDialogRoutingE2e, APlainRtpAnswerEndsTheCallOnBothSides) {
  alice_.peer.send(invite_with("dr-mand", "mand", kSdpHead + "m=audio 40000 UDP/TLS/RTP/SAVP 0\r\na=setup:actpass\r\n"
                                                  "a=fingerprint:sha-256 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
                                                  "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89\r\n"),
                   port());
  auto inv = next_request(erin_.peer, 5s, "INVITE");
  ASSERT_TRUE(inv) << "a DTLS-SRTP offer passes under mandatory: " << edge_.log();
  std::string plain = kSdpHead + "m=audio 40002 RTP/AVP 0\r\n";
  erin_.peer.send(erin_ok_with(*inv, plain), port());
  auto refused = next_response(alice_.peer, 5s);
  ASSERT_TRUE(refused) << edge_.log();
  EXPECT_EQ(status_of(*refused), 488) << *refused;
  EXPECT_EQ(refused->find("m=audio"), std::string::npos) << "the refused answer is not relayed: " << *refused;
  auto ack = next_request(erin_.peer, 5s, "ACK");
  ASSERT_TRUE(ack) << edge_.log();
  EXPECT_EQ(ack->rfind("ACK " + erin_.contact() + " SIP/2.0", 0), 0u) << *ack;
  auto bye = next_request(erin_.peer, 5s, "BYE");
  ASSERT_TRUE(bye) << edge_.log();
  EXPECT_NE(bye->find("Reason: SIP;cause=488"), std::string::npos) << *bye;
  EXPECT_NE(edge_.events().find("answer refused"), std::string::npos) << edge_.events();
}

TEST_F(DialogRoutingE2e, InDialogRequestsFollowTheRecordRouteThroughTheEdgeAndOnlyForTheParticipants) {
  alice_.peer.send(invite("dr-call-1", "inv1"), port());
  auto inv = next_request(erin_.peer, 5s, "INVITE");
  ASSERT_TRUE(inv) << edge_.log();
  EXPECT_TRUE(headers_named(*inv, "Route").empty()) << "the edge's own Route is consumed (16.4): " << *inv;
  auto rr = headers_named(*inv, "Record-Route");
  ASSERT_EQ(rr.size(), 1u) << "one entry: both flows are UDP: " << *inv;
  EXPECT_NE(rr[0].find("127.0.0.1:" + std::to_string(port()) + ";lr;igd="), std::string::npos) << rr[0];

  // Erin answers; alice sees the route set and ACKs through it to erin's Contact.
  erin_.peer.send(response_to(*inv, 200, "OK", erin_.tag, "Contact: <" + erin_.contact() + ">\r\n"), port());
  auto ok = next_response(alice_.peer, 5s);
  ASSERT_TRUE(ok) << edge_.log();
  ASSERT_EQ(status_of(*ok), 200) << *ok;
  ASSERT_EQ(headers_named(*ok, "Record-Route"), rr);
  std::string to_erin = "To: <sip:erin@ims.local>;tag=" + erin_.tag + "\r\n";
  auto in_dialog = [&](Phone& from, const std::string& method, const std::string& ruri, const std::string& from_hdr,
                       const std::string& to_hdr, int cseq, const std::string& route, const std::string& branch) {
    return method + " " + ruri + " SIP/2.0\r\n" + from.via(branch) + "Route: " + route + "\r\nMax-Forwards: 70\r\n" +
           from_hdr + to_hdr + "Call-ID: dr-call-1\r\nCSeq: " + std::to_string(cseq) + " " + method +
           "\r\nContent-Length: 0\r\n\r\n";
  };
  std::string alice_from = "From: <" + alice_.impu + ">;tag=" + alice_.tag + "\r\n";
  alice_.peer.send(in_dialog(alice_, "ACK", erin_.contact(), alice_from, to_erin, 1, rr[0], "ack1"), port());
  auto ack = next_request(erin_.peer, 5s, "ACK");
  ASSERT_TRUE(ack) << "the ACK did not reach erin through the edge: " << edge_.log();
  EXPECT_EQ(ack->rfind("ACK " + erin_.contact() + " SIP/2.0", 0), 0u) << *ack;
  EXPECT_TRUE(headers_named(*ack, "Route").empty()) << *ack;

  // A third registered subscriber replays the dialog's route: refused, erin sees nothing.
  ASSERT_EQ(register_phone(mallory_, port(), "mallory@ims.local", "mallory-secret", mallory_.contact()), 200);
  std::string mallory_from = "From: <" + mallory_.impu + ">;tag=" + mallory_.tag + "\r\n";
  mallory_.peer.send(in_dialog(mallory_, "BYE", erin_.contact(), mallory_from, to_erin, 2, rr[0], "mbye"), port());
  auto refused = next_response(mallory_.peer, 5s);
  ASSERT_TRUE(refused);
  EXPECT_EQ(status_of(*refused), 403) << *refused;
  // A tampered token from a participant: refused too.
  std::string tampered = rr[0];
  tampered[tampered.size() - 2] = tampered[tampered.size() - 2] == '0' ? '1' : '0';
  alice_.peer.send(in_dialog(alice_, "INFO", erin_.contact(), alice_from, to_erin, 3, tampered, "tinfo"), port());
  auto bad = next_response(alice_.peer, 5s);
  ASSERT_TRUE(bad);
  EXPECT_EQ(status_of(*bad), 403) << *bad;
  for (auto got = next_request(erin_.peer, 1s); got; got = next_request(erin_.peer, 1s))
    EXPECT_EQ(got->rfind("INVITE ", 0), 0u) << "only a retransmitted INVITE may arrive, not: " << *got;

  // Erin hangs up: the BYE goes to alice's flow through the edge, its answer comes back.
  std::string erin_from = "From: <sip:erin@ims.local>;tag=" + erin_.tag + "\r\n";
  std::string to_alice = "To: <" + alice_.impu + ">;tag=" + alice_.tag + "\r\n";
  erin_.peer.send(in_dialog(erin_, "BYE", alice_.contact(), erin_from, to_alice, 1, rr[0], "ebye"), port());
  auto bye = next_request(alice_.peer, 5s, "BYE");
  ASSERT_TRUE(bye) << "the BYE did not reach alice through the edge: " << edge_.log();
  EXPECT_TRUE(headers_named(*bye, "Route").empty()) << *bye;
  EXPECT_EQ(header_of(*bye, "P-Asserted-Identity"), "<sip:erin@ims.local>");
  alice_.peer.send(response_to(*bye, 200, "OK", alice_.tag), port());
  auto bye_ok = next_response(erin_.peer, 5s);
  ASSERT_TRUE(bye_ok);
  EXPECT_EQ(status_of(*bye_ok), 200) << *bye_ok;
  EXPECT_NE(edge_.events().find("in-dialog request from a flow outside the dialog"), std::string::npos);
}

TEST_F(DialogRoutingE2e, ACancelReachesTheCalleeWithTheBranchOfTheInviteItCancels) {
  std::string inv_bytes = invite("dr-call-2", "inv2");
  alice_.peer.send(inv_bytes, port());
  auto inv = next_request(erin_.peer, 5s, "INVITE");
  ASSERT_TRUE(inv) << edge_.log();
  erin_.peer.send(response_to(*inv, 180, "Ringing", erin_.tag), port());
  auto ringing = next_response(alice_.peer, 5s);
  ASSERT_TRUE(ringing);
  EXPECT_EQ(status_of(*ringing), 180) << *ringing;
  // The CANCEL per 9.1: the INVITE's Request-URI, Call-ID, From, To, CSeq number, Route, top Via.
  std::string cancel = "CANCEL sip:erin@ims.local SIP/2.0\r\n" + alice_.via("inv2") + "Route: <sip:127.0.0.1:" +
                       std::to_string(port()) + ";lr>\r\nMax-Forwards: 70\r\nFrom: <" + alice_.impu + ">;tag=" +
                       alice_.tag + "\r\nTo: <sip:erin@ims.local>\r\nCall-ID: dr-call-2\r\nCSeq: 1 CANCEL\r\n"
                       "Content-Length: 0\r\n\r\n";
  alice_.peer.send(cancel, port());
  auto relayed = next_request(erin_.peer, 5s, "CANCEL");
  ASSERT_TRUE(relayed) << edge_.log();
  EXPECT_EQ(branch_of(*relayed), branch_of(*inv)) << "the callee matches the CANCEL to its INVITE by this branch";
  EXPECT_TRUE(headers_named(*relayed, "Route").empty()) << *relayed;
}

// SDES keys never cross a hop without TLS, whatever the letter case of the media type and
// inside a multipart body (issue 18; issue 17 F12): erin receives the offer without a=crypto.
TEST_F(DialogRoutingE2e, SdesKeysAreStrippedFromApplicationSdpInAnyCaseAndFromMultipartBodies) {
  const std::string sdp =
      "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n"
      "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n";
  struct Case {
    std::string type, body;
  };
  std::vector<Case> cases{{"Application/SDP", sdp},
                          {"multipart/mixed;boundary=b1", "--b1\r\nContent-Type: application/SDP\r\n\r\n" + sdp +
                                                              "--b1\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b1--\r\n"}};
  int n = 0;
  for (const auto& c : cases) {
    std::string call_id = "dr-sdes-" + std::to_string(++n);
    std::string inv = "INVITE sip:erin@ims.local SIP/2.0\r\n" + alice_.via("sdes" + std::to_string(n)) +
                      "Max-Forwards: 70\r\nFrom: <" + alice_.impu + ">;tag=" + alice_.tag +
                      "\r\nTo: <sip:erin@ims.local>\r\nCall-ID: " + call_id + "\r\nCSeq: 1 INVITE\r\nContact: <" +
                      alice_.contact() + ">\r\nContent-Type: " + c.type + "\r\nContent-Length: " +
                      std::to_string(c.body.size()) + "\r\n\r\n" + c.body;
    alice_.peer.send(inv, port());
    auto relayed = next_request(erin_.peer, 5s, "INVITE");
    ASSERT_TRUE(relayed) << c.type << edge_.log();
    EXPECT_EQ(relayed->find("a=crypto"), std::string::npos) << c.type << ": " << *relayed;
    EXPECT_NE(relayed->find("m=audio 40000 RTP/AVP 0"), std::string::npos) << *relayed;
    EXPECT_EQ(header_of(*relayed, "Content-Type"), c.type) << "the media type (and boundary) kept";
    erin_.peer.send(response_to(*relayed, 486, "Busy Here", erin_.tag), port());
  }
}

// Issue 17 F2: mallory registers her own account with a Contact naming frank's AoR; frank
// is not registered. A MESSAGE to frank is answered 480 and never delivered to mallory.
TEST_F(DialogRoutingE2e, AContactNamingAnotherUsersAorDoesNotCaptureItsRequests) {
  ASSERT_EQ(register_phone(mallory_, port(), "mallory@ims.local", "mallory-secret", "sip:frank@ims.local"), 200)
      << edge_.log();
  std::string msg = "MESSAGE sip:frank@ims.local SIP/2.0\r\n" + alice_.via("f2msg") +
                    "Max-Forwards: 70\r\nFrom: <" + alice_.impu + ">;tag=" + alice_.tag +
                    "\r\nTo: <sip:frank@ims.local>\r\nCall-ID: dr-f2\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\n"
                    "Content-Length: 6\r\n\r\nsecret";
  alice_.peer.send(msg, port());
  auto answer = next_response(alice_.peer, 5s);
  ASSERT_TRUE(answer) << edge_.log();
  EXPECT_EQ(status_of(*answer), 480) << *answer;
  auto stolen = next_request(mallory_.peer, 1s);
  EXPECT_FALSE(stolen) << "delivered to the account that registered frank's AoR as its Contact: " << *stolen;
}

}  // namespace

class WildcardDialogRoutingE2e : public DialogRoutingE2e {
 protected:
  WildcardDialogRoutingE2e() { listen_address_ = "0.0.0.0"; }
};

// A listener bound to 0.0.0.0 names the address each side reached it at (IP_PKTINFO), never
// 0.0.0.0: alice sends to 127.0.0.2, erin is reached from 127.0.0.1, so the dialog gets two
// Record-Route entries (an interface change, RFC 5658), and the in-dialog requests of both
// sides come back through them.
TEST_F(WildcardDialogRoutingE2e, RecordRouteAndViaNameTheAddressTheRequestArrivedAtNotTheWildcard) {
  std::string p = std::to_string(port());
  std::string inv_bytes = invite("dr-wild", "wild");
  inv_bytes.replace(inv_bytes.find("Route: <sip:127.0.0.1:"), 22, "Route: <sip:127.0.0.2:");
  alice_.peer.send(inv_bytes, port(), "127.0.0.2");
  auto inv = next_request(erin_.peer, 5s, "INVITE");
  ASSERT_TRUE(inv) << edge_.log();
  EXPECT_TRUE(headers_named(*inv, "Route").empty()) << "the Route naming the address alice reached is ours: " << *inv;
  EXPECT_EQ(inv->find("0.0.0.0"), std::string::npos) << *inv;
  EXPECT_EQ(header_of(*inv, "Via").rfind("SIP/2.0/UDP 127.0.0.1:" + p + ";", 0), 0u) << *inv;
  auto rr = headers_named(*inv, "Record-Route");
  ASSERT_EQ(rr.size(), 2u) << *inv;
  EXPECT_EQ(rr[0].rfind("<sip:edge@127.0.0.1:" + p + ";lr;igd=", 0), 0u) << "top, facing erin: " << rr[0];
  EXPECT_EQ(rr[1].rfind("<sip:edge@127.0.0.2:" + p + ";lr;igd=", 0), 0u) << "bottom, facing alice: " << rr[1];

  erin_.peer.send(response_to(*inv, 200, "OK", erin_.tag, "Contact: <" + erin_.contact() + ">\r\n"), port());
  auto ok = next_response(alice_.peer, 5s);
  ASSERT_TRUE(ok) << edge_.log();
  ASSERT_EQ(status_of(*ok), 200) << *ok;
  std::string alice_from = "From: <" + alice_.impu + ">;tag=" + alice_.tag + "\r\n";
  std::string to_erin = "To: <sip:erin@ims.local>;tag=" + erin_.tag + "\r\n";
  // alice's route set is the Record-Route reversed: she sends to 127.0.0.2 first.
  alice_.peer.send("ACK " + erin_.contact() + " SIP/2.0\r\n" + alice_.via("wack") + "Route: " + rr[1] + ", " + rr[0] +
                       "\r\nMax-Forwards: 70\r\n" + alice_from + to_erin +
                       "Call-ID: dr-wild\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n",
                   port(), "127.0.0.2");
  auto ack = next_request(erin_.peer, 5s, "ACK");
  ASSERT_TRUE(ack) << edge_.log();
  EXPECT_TRUE(headers_named(*ack, "Route").empty()) << *ack;
  // erin's route set is the Record-Route as is: 127.0.0.1 first.
  erin_.peer.send(erin_bye("dr-wild", "wbye", rr[0] + ", " + rr[1]), port());
  auto bye = next_request(alice_.peer, 5s, "BYE");
  ASSERT_TRUE(bye) << edge_.log();
  // Toward alice the edge is the address she reached (the dialog token keeps it): the Via
  // names it, and the BYE leaves from it.
  EXPECT_EQ(header_of(*bye, "Via").rfind("SIP/2.0/UDP 127.0.0.2:" + p + ";", 0), 0u) << *bye;
}

// Late offer under mandatory: alice's INVITE has no SDP, erin offers DTLS-SRTP in her 200,
// alice answers plain RTP in the ACK. No response can refuse an ACK: the edge ends the call
// on both legs: erin gets an ACK without the refused answer and a BYE, alice a BYE, both with
// Reason cause=488, and one media event says so.
TEST_F(MandatoryDialogRoutingE2e, APlainRtpAnswerInTheAckEndsTheCallWithByeOnBothLegs) {
  ASSERT_NO_FATAL_FAILURE(late_offer_answered_plain("dr-late", "late", "lack"));
  auto ack = next_request(erin_.peer, 5s, "ACK");
  ASSERT_TRUE(ack) << edge_.log();
  EXPECT_EQ(ack->find("m=audio"), std::string::npos) << "the refused answer is not relayed: " << *ack;
  auto bye_erin = next_request(erin_.peer, 5s, "BYE");
  ASSERT_TRUE(bye_erin) << edge_.log();
  EXPECT_EQ(bye_erin->rfind("BYE " + erin_.contact() + " SIP/2.0", 0), 0u) << *bye_erin;
  EXPECT_NE(bye_erin->find("Reason: SIP;cause=488"), std::string::npos) << *bye_erin;
  EXPECT_NE(header_of(*bye_erin, "To").find("tag=" + erin_.tag), std::string::npos) << *bye_erin;
  auto bye_alice = next_request(alice_.peer, 5s, "BYE");
  ASSERT_TRUE(bye_alice) << edge_.log();
  EXPECT_EQ(bye_alice->rfind("BYE " + alice_.contact() + " SIP/2.0", 0), 0u) << *bye_alice;
  EXPECT_NE(bye_alice->find("Reason: SIP;cause=488"), std::string::npos) << *bye_alice;
  EXPECT_NE(header_of(*bye_alice, "From").find("tag=" + erin_.tag), std::string::npos) << "from erin's side: " << *bye_alice;
  EXPECT_NE(header_of(*bye_alice, "To").find("tag=" + alice_.tag), std::string::npos) << *bye_alice;
  // Their answers stay at the edge (only its own Via).
  erin_.peer.send(response_to(*bye_erin, 200, "OK", erin_.tag), port());
  alice_.peer.send(response_to(*bye_alice, 200, "OK", alice_.tag), port());
  EXPECT_FALSE(next_response(alice_.peer, 1s)) << "erin's 200 to the edge's BYE is not relayed";
  EXPECT_TRUE(eventually([&] { return edge_.events().find("answer in ACK: call ended") != std::string::npos; }, 5s))
      << edge_.events();
}

// A phone that comes back on another port registers a new Contact while its old binding is
// still live: the call goes to the binding registered last, not to the old (dead) flow.
TEST_F(DialogRoutingE2e, ACallGoesToTheBindingRegisteredLast) {
  std::this_thread::sleep_for(1100ms);  // a later expiry than the first binding's
  Phone erin_again;
  erin_again.impu = erin_.impu;
  // A Contact that sorts after the first one: the store lists bindings by Contact.
  std::string later_contact = "sip:zz@127.0.0.1:" + std::to_string(erin_again.peer.local_port());
  ASSERT_EQ(register_phone(erin_again, port(), "erin@ims.local", "erin-secret", later_contact), 200)
      << edge_.log();
  alice_.peer.send(invite("dr-latest", "latest"), port());
  auto inv = next_request(erin_again.peer, 5s, "INVITE");
  ASSERT_TRUE(inv) << "the INVITE did not reach the binding registered last: " << edge_.log();
  EXPECT_FALSE(next_request(erin_.peer, 500ms, "INVITE")) << "the old binding's flow got it too";
}

// The BYEs the edge sends on its own (a late answer refused by the media policy) are
// client transactions like the requests it relays: over UDP a BYE that gets no answer is
// sent again (RFC 3261 17.1.2.2, Timer E, T1 = 500 ms here) with the same branch, and an
// answered one is not. erin drops the first BYE; alice answers hers at once.
TEST_F(MandatoryDialogRoutingE2e, TheEdgesOwnByeIsSentAgainOverUdpUntilItIsAnswered) {
  ASSERT_NO_FATAL_FAILURE(late_offer_answered_plain("dr-rebye", "rebye", "rback"));
  auto first = next_request(erin_.peer, 5s, "BYE");
  ASSERT_TRUE(first) << edge_.log();
  auto bye_alice = next_request(alice_.peer, 5s, "BYE");
  ASSERT_TRUE(bye_alice) << edge_.log();
  alice_.peer.send(response_to(*bye_alice, 200, "OK", alice_.tag), port());
  // erin "lost" the first copy: she answers nothing and waits for the next one.
  auto again = next_request(erin_.peer, 3s, "BYE");
  ASSERT_TRUE(again) << "the edge's BYE was sent once over UDP: " << edge_.log();
  EXPECT_EQ(branch_of(*again), branch_of(*first)) << "a retransmission, not a new transaction: " << *again;
  EXPECT_EQ(header_of(*again, "CSeq"), header_of(*first, "CSeq")) << *again;
  erin_.peer.send(response_to(*again, 200, "OK", erin_.tag), port());
  // Answered: no more copies to either side (Timer E's next step would be at 1 s, then 2 s).
  EXPECT_FALSE(next_request(erin_.peer, 2500ms, "BYE")) << "sent again after its 200";
  EXPECT_FALSE(next_request(alice_.peer, 500ms, "BYE")) << "alice's BYE was answered at once";
}

// A listener on 0.0.0.0 answers each phone from the address it sent to (IP_PKTINFO on
// send): alice sends to 127.0.0.2, so the 100, the callee's 200 relayed back and erin's BYE
// relayed through the dialog route all come from 127.0.0.2; erin registered at 127.0.0.1
// hears from 127.0.0.1.
TEST_F(WildcardDialogRoutingE2e, EveryDatagramToAPhoneLeavesFromTheAddressThePhoneSentTo) {
  alice_.peer.send("OPTIONS sip:127.0.0.2 SIP/2.0\r\n" + alice_.via("sopt") + "From: <" + alice_.impu +
                       ">;tag=o1\r\nTo: <sip:127.0.0.2>\r\nCall-ID: dr-src-opt\r\nCSeq: 1 OPTIONS\r\n"
                       "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
                   port(), "127.0.0.2");
  auto answer = alice_.peer.receive(5s);
  ASSERT_TRUE(answer) << edge_.log();
  EXPECT_EQ(alice_.peer.last_sender(), "127.0.0.2") << "the edge's own answer: " << *answer;
  std::string inv_bytes = invite("dr-src", "src");
  inv_bytes.replace(inv_bytes.find("Route: <sip:127.0.0.1:"), 22, "Route: <sip:127.0.0.2:");
  alice_.peer.send(inv_bytes, port(), "127.0.0.2");
  auto inv = next_request(erin_.peer, 5s, "INVITE");
  ASSERT_TRUE(inv) << edge_.log();
  EXPECT_EQ(erin_.peer.last_sender(), "127.0.0.1");
  erin_.peer.send(response_to(*inv, 200, "OK", erin_.tag, "Contact: <" + erin_.contact() + ">\r\n"), port());
  auto ok = next_response(alice_.peer, 5s);
  ASSERT_TRUE(ok) << edge_.log();
  ASSERT_EQ(status_of(*ok), 200) << *ok;
  EXPECT_EQ(alice_.peer.last_sender(), "127.0.0.2") << "the callee's answer relayed back";
  auto rr = headers_named(*ok, "Record-Route");
  ASSERT_EQ(rr.size(), 2u) << *ok;
  erin_.peer.send(erin_bye("dr-src", "sbye", rr[0] + ", " + rr[1]), port());
  auto bye = next_request(alice_.peer, 5s, "BYE");
  ASSERT_TRUE(bye) << edge_.log();
  EXPECT_EQ(alice_.peer.last_sender(), "127.0.0.2") << "an in-dialog request relayed to alice";
}

// A callee found by its binding hears from the address it registered to: erin registers again
// through 127.0.0.2 (the binding registered last takes the call), so alice's INVITE reaches
// her from 127.0.0.2 with a Via naming 127.0.0.2, where her answer goes.
TEST_F(WildcardDialogRoutingE2e, ACalleeGetsItsRequestsFromTheAddressItRegisteredTo) {
  std::this_thread::sleep_for(1100ms);  // a later expiry than erin's first binding
  Phone erin2;
  erin2.impu = erin_.impu;
  erin2.tag = "e2";
  std::string later_contact = "sip:zz@127.0.0.1:" + std::to_string(erin2.peer.local_port());
  ASSERT_EQ(register_phone(erin2, port(), "erin@ims.local", "erin-secret", later_contact, "127.0.0.2"), 200)
      << edge_.log();
  EXPECT_EQ(erin2.peer.last_sender(), "127.0.0.2") << "the answer to her REGISTER";
  alice_.peer.send(invite("dr-reg2", "reg2"), port());
  auto inv = next_request(erin2.peer, 5s, "INVITE");
  ASSERT_TRUE(inv) << edge_.log();
  EXPECT_EQ(erin2.peer.last_sender(), "127.0.0.2") << "the INVITE to the binding registered through 127.0.0.2";
  EXPECT_EQ(header_of(*inv, "Via").rfind("SIP/2.0/UDP 127.0.0.2:" + std::to_string(port()) + ";", 0), 0u) << *inv;
  erin2.peer.send(response_to(*inv, 486, "Busy Here", erin2.tag), port(), "127.0.0.2");
  auto busy = next_response(alice_.peer, 5s);
  ASSERT_TRUE(busy) << edge_.log();
  EXPECT_EQ(status_of(*busy), 486) << *busy;
}

// The service path's Record-Route (a dialog with a service of the box: the edge stays on
// its route) names the address alice's INVITE arrived at, not the wildcard the listener is
// bound to; the BYE that follows it reaches the service.
class WildcardServiceRouteE2e : public DialogRoutingE2e {
 protected:
  WildcardServiceRouteE2e() {
    listen_address_ = "0.0.0.0";
    roles_ = "[edge, core, servicebox]";
    more_yaml_ = "servicebox:\n  sip_listen: { address: 127.0.0.1, port: " + std::to_string(free_port()) +
                 " }\n  https_listen: { address: 127.0.0.1, port: " + std::to_string(free_port()) +
                 " }\n  services:\n    - { name: media, method: INVITE }\n"
                 "    - { name: messaging, method: MESSAGE }\n    - { name: content, method: GET }\n";
  }
};

TEST_F(WildcardServiceRouteE2e, TheServiceDialogsRecordRouteNamesTheArrivalAddressNotTheWildcard) {
  std::string p = std::to_string(port());
  std::string sdp = kSdpHead + "m=audio 40010 RTP/AVP 0\r\n";
  std::string inv = "INVITE sip:media@services.ims.local SIP/2.0\r\n" + alice_.via("svc") +
                    "Max-Forwards: 70\r\nFrom: <" + alice_.impu + ">;tag=" + alice_.tag +
                    "\r\nTo: <sip:media@services.ims.local>\r\nCall-ID: dr-svc\r\nCSeq: 1 INVITE\r\nContact: <" +
                    alice_.contact() + ">\r\nContent-Type: application/sdp\r\nContent-Length: " +
                    std::to_string(sdp.size()) + "\r\n\r\n" + sdp;
  alice_.peer.send(inv, port(), "127.0.0.2");
  auto ok = next_response(alice_.peer, 10s);
  ASSERT_TRUE(ok) << edge_.log();
  ASSERT_EQ(status_of(*ok), 200) << *ok;
  EXPECT_EQ(alice_.peer.last_sender(), "127.0.0.2") << "the service's answer";
  EXPECT_EQ(ok->find("0.0.0.0"), std::string::npos) << *ok;
  auto rr = headers_named(*ok, "Record-Route");
  ASSERT_EQ(rr.size(), 1u) << *ok;
  EXPECT_EQ(rr[0], "<sip:services@127.0.0.2:" + p + ";lr>") << *ok;
  std::string to = header_of(*ok, "To");
  alice_.peer.send("BYE sip:media@services.ims.local SIP/2.0\r\n" + alice_.via("svcbye") + "Route: " + rr[0] +
                       "\r\nMax-Forwards: 70\r\nFrom: <" + alice_.impu + ">;tag=" + alice_.tag + "\r\nTo: " + to +
                       "\r\nCall-ID: dr-svc\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
                   port(), "127.0.0.2");
  auto bye_ok = next_response(alice_.peer, 10s);
  ASSERT_TRUE(bye_ok) << edge_.log();
  EXPECT_EQ(status_of(*bye_ok), 200) << *bye_ok;
}
