#include "client/call.h"

#include <algorithm>

#include "client/credentials.h"
#include "client/request.h"
#include "client/transport_impl.h"
#include "sip/parser.h"
#include "sip/sdp.h"
#include "sip/validation.h"

namespace imsguard::client {
namespace {

constexpr auto kT1 = std::chrono::milliseconds(500);
constexpr auto kT2 = std::chrono::milliseconds(4000);

struct Response {
  std::string bytes;
  sip::Message msg;
};

// One client transaction (INVITE retransmits like a non-INVITE below T2, RFC 3261 17.1.1.2
// is close enough for a client that stops at the first final answer).
// kUnavailable: no final answer in time, or the flow failed.
StatusOr<std::unique_ptr<Response>> transact(Transport& t, const std::string& bytes, const std::string& branch,
                                             std::chrono::milliseconds timeout) {
  if (Status sent = t.send(bytes); !sent.ok()) return sent;
  auto start = Clock::now();
  auto deadline = start + timeout;
  Clock::duration interval = kT1;
  auto next = start + interval;
  bool provisional = false;
  for (;;) {
    auto wake = t.reliable() || provisional ? deadline : std::min(deadline, next);
    Received r = t.receive(wake);
    if (r.status == Received::Status::kMessage) {
      auto p = std::make_unique<Response>();
      p->bytes = std::move(r.bytes);
      auto parsed = t.reliable() ? sip::parse_stream_message(p->bytes, {}, p->msg)
                                 : sip::parse_datagram(p->bytes, {}, p->msg);
      if (parsed.status != sip::ParseStatus::kOk || p->msg.is_request()) continue;
      auto top = p->msg.top_via();
      if (!top || !top->branch || *top->branch != branch) continue;
      if (p->msg.status_code() < 200) {
        provisional = true;
        continue;
      }
      return p;
    }
    if (r.status != Received::Status::kTimeout) return unavailable_error("flow to the edge lost: " + r.error);
    auto now = Clock::now();
    if (now >= deadline) return unavailable_error("no final answer within " + std::to_string(timeout.count()) + " ms");
    if (!t.reliable() && !provisional && now >= next) {
      if (Status sent = t.send(bytes); !sent.ok()) return sent;
      interval = std::min<Clock::duration>(interval * 2, kT2);
      next = now + interval;
    }
  }
}

// build_request() writes "To: <uri>"; in-dialog requests need the remote tag after it.
std::string with_to_tag(std::string request, const std::string& to_uri, const std::string& tag) {
  std::string line = "To: <" + to_uri + ">\r\n";
  auto pos = request.find(line);
  if (pos != std::string::npos && !tag.empty()) request.replace(pos, line.size(), "To: <" + to_uri + ">;tag=" + tag + "\r\n");
  return request;
}

std::string sanitize(std::string_view s) {
  std::string out;
  for (char c : s) out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c);
  return out;
}

// Once the INVITE is out, a failure is the far end's (its answer, its keys, its stream) or
// the flow's, not the caller's options: kUnavailable, message kept. kInternal (our own
// crypto) stays what it is.
Status far_end(const Status& s) {
  if (s.ok() || s.code() == Code::kInternal) return s;
  return unavailable_error(s.message());
}

}  // namespace

CallResult place_call(Transport& t, const CallOptions& o) {
  CallResult r;
  auto log = [&](const std::string& line) {
    if (o.log) o.log(line);
  };
  auto opened = MediaSink::open(o.media_address);
  if (!opened.ok()) {
    r.error = Status(opened.code(), "media port: " + opened.message());
    return r;
  }
  std::unique_ptr<MediaSink> sink = std::move(opened).value();
  media::OfferSpec spec;
  spec.policy.policy = o.policy;
  spec.policy.suites = o.suites;
  spec.policy.sdes_allowed = !o.sdes_requires_tls || t.kind() == TransportKind::kTls;
  spec.keying = o.keying;
  spec.local.address = o.media_address;
  spec.local.port = sink->port();
  spec.local.direction = sip::SdpDirection::kRecvOnly;
  std::shared_ptr<media::DtlsIdentity> identity;
  if (o.policy != config::SrtpPolicy::kOff && o.keying == media::Keying::kDtls) {
    auto generated = media::DtlsIdentity::generate();
    if (!generated.ok()) {
      r.error = Status(generated.code(), "dtls: " + generated.message());
      return r;
    }
    identity = generated.value();
    spec.local.fingerprint = identity->fingerprint();
  }
  if (o.policy != config::SrtpPolicy::kOff && o.keying == media::Keying::kSdes) {
    uint32_t tag = 1;
    for (auto suite : o.suites) {
      auto k = media::generate_sdes_key(suite, tag++);
      if (!k) {
        r.error = unavailable_error("cannot generate an SDES key");  // no randomness
        return r;
      }
      spec.sdes_keys.push_back(std::move(*k));
    }
  }
  auto offer = media::build_offer(spec);
  if (!offer.error.empty()) {
    r.error = invalid_argument(offer.error);  // the options ask for an offer that cannot be made
    return r;
  }
  auto offer_text = sip::write_sdp(offer.sdp);
  if (!offer_text) {
    r.error = Status(offer_text.code(), "SDP offer: " + offer_text.message());
    return r;
  }

  ViaAddress via{t.kind(), t.local_host(), t.local_port()};
  std::string user_host = detail::uri_host(via.host);
  RequestSpec invite;
  invite.method = "INVITE";
  invite.request_uri = o.target;
  invite.from_uri = o.impu;
  invite.from_tag = random_token(6);
  invite.to_uri = o.target;
  invite.call_id = random_token(12) + "@" + user_host;
  invite.cseq = 1;
  invite.branch = new_branch();
  invite.contact = "sip:" + user_host + ":" + std::to_string(via.port) + ";transport=" + std::string(transport_token(via.kind));
  invite.content_type = "application/sdp";
  invite.body = *offer_text;
  log("INVITE " + o.target + " offering " + std::string(config::srtp_policy_name(o.policy)) +
      (o.policy == config::SrtpPolicy::kOff ? "" : o.keying == media::Keying::kSdes ? " SDES" : " DTLS-SRTP"));
  auto transacted = transact(t, build_request(invite, via), invite.branch, o.timeout);
  if (!transacted.ok()) {
    r.error = Status(transacted.code(), "INVITE: " + transacted.message());
    return r;
  }
  std::unique_ptr<Response> answer = std::move(transacted).value();
  // A 401/407 (RFC 3261 22.2, 22.3): ACK it on its branch, then the INVITE again with our
  // credentials, the next CSeq and a new branch. Once: a second challenge is a refusal.
  if (int code = answer->msg.status_code(); (code == 401 || code == 407) && o.credentials) {
    std::string challenge_tag;
    if (auto to = answer->msg.to())
      if (auto tag = to->param("tag")) challenge_tag = std::string(*tag);
    RequestSpec challenge_ack = invite;
    challenge_ack.method = "ACK";
    challenge_ack.body.clear();
    challenge_ack.content_type.clear();
    challenge_ack.contact.clear();
    // ACKs are best effort (no answer comes to them); a lost flow shows in the next transaction.
    (void)t.send(with_to_tag(build_request(challenge_ack, via), o.target, challenge_tag));
    ChallengeAnswerer answerer(*o.credentials);
    Answer creds = answerer.answer(answer->msg, "INVITE", invite.request_uri, invite.body);
    if (creds.status == AnswerStatus::kOk) {
      log("INVITE challenged (" + std::to_string(code) + "); answering");
      invite.cseq += 1;
      invite.branch = new_branch();
      invite.headers.emplace_back(creds.header_name, creds.header_value);
      auto again = transact(t, build_request(invite, via), invite.branch, o.timeout);
      if (!again.ok()) {
        r.error = Status(again.code(), "INVITE: " + again.message());
        return r;
      }
      answer = std::move(again).value();
    }
  }
  r.status = answer->msg.status_code();
  r.reason = sanitize(answer->msg.reason());
  std::string to_tag;
  if (auto to = answer->msg.to()) {
    if (auto tag = to->param("tag")) to_tag = std::string(*tag);
  }
  // The dialog's route set and remote target (RFC 3261 12.1.2): in-dialog requests follow
  // the Record-Route of the 2xx (reversed) to the callee's Contact, so they pass through
  // every proxy that asked to stay on the dialog (the edge, between subscribers). A service
  // (sip:<name>@services.<domain>) is reached through the core's service routing, which
  // matches in-dialog requests on the service URI: those keep it.
  std::vector<Header> route_set;
  std::string remote_target = o.target;
  bool service = o.target.find("@services.") != std::string::npos;
  if (answer->msg.status_code() < 300 && !service) {
    if (auto rr = answer->msg.record_routes())
      for (auto it = rr->rbegin(); it != rr->rend(); ++it) route_set.emplace_back("Route", std::string(it->raw));
    if (auto contacts = answer->msg.contacts(); contacts && !contacts->empty())
      remote_target = std::string(contacts->front().uri.raw);
  }
  auto in_dialog = [&](RequestSpec request) {
    request.request_uri = remote_target;
    request.headers.insert(request.headers.begin(), route_set.begin(), route_set.end());
    return request;
  };

  // ACK: for a 2xx a new transaction; for a failure the same branch (RFC 3261 17.1.1.3).
  RequestSpec ack = invite;
  ack.method = "ACK";
  ack.body.clear();
  ack.content_type.clear();
  ack.contact.clear();
  if (r.status >= 300) {
    (void)t.send(with_to_tag(build_request(ack, via), o.target, to_tag));
    r.error = unavailable_error("INVITE refused: " + std::to_string(r.status) + " " + r.reason);
    return r;
  }
  ack.branch = new_branch();
  (void)t.send(with_to_tag(build_request(in_dialog(ack), via), o.target, to_tag));

  auto bye = [&] {
    RequestSpec b = invite;
    b.method = "BYE";
    b.cseq = invite.cseq + 2;  // after a re-INVITE's
    b.branch = new_branch();
    b.body.clear();
    b.content_type.clear();
    b.contact.clear();
    auto resp = transact(t, with_to_tag(build_request(in_dialog(b), via), o.target, to_tag), b.branch, o.timeout);
    r.bye_status = resp.ok() ? (*resp)->msg.status_code() : 0;
    log("BYE: " + (resp.ok() ? std::to_string(r.bye_status) + " " + sanitize((*resp)->msg.reason()) : resp.message()));
  };
  // The same offer again inside the dialog: the answer must be the same session.
  auto reinvite = [&] {
    RequestSpec re = invite;
    re.cseq = invite.cseq + 1;
    re.branch = new_branch();
    auto resp = transact(t, with_to_tag(build_request(in_dialog(re), via), o.target, to_tag), re.branch, o.timeout);
    r.reinvite_status = resp.ok() ? (*resp)->msg.status_code() : 0;
    r.reinvite_same_session = resp.ok() && (*resp)->msg.body() == answer->msg.body();
    log("re-INVITE: " + (resp.ok() ? std::to_string(r.reinvite_status) + " " + sanitize((*resp)->msg.reason()) +
                                         (r.reinvite_same_session ? ", same session" : ", another session")
                                   : resp.message()));
    if (resp.ok() && r.reinvite_status < 300) {
      RequestSpec a = re;
      a.method = "ACK";
      a.branch = new_branch();
      a.body.clear();
      a.content_type.clear();
      a.contact.clear();
      (void)t.send(with_to_tag(build_request(in_dialog(a), via), o.target, to_tag));
    }
  };

  auto parsed = sip::parse_sdp(answer->msg.body());
  if (!parsed) {
    r.error = unavailable_error("the 200 OK carries no valid SDP answer: " + parsed.message());
    bye();
    return r;
  }
  auto check = media::check_answer(spec, *parsed);
  r.outcome = check.outcome;
  r.negotiated = std::string(media::outcome_name(check.outcome)) + " (" + check.reason + ")";
  if (check.outcome == media::Outcome::kRefused) {
    r.error = unavailable_error("answer not acceptable: " + check.reason);
    bye();
    return r;
  }
  log("negotiated " + r.negotiated + "; media from " + check.remote_address + ":" + std::to_string(check.remote_port));
  if (Status connected = sink->connect(check.remote_address, check.remote_port); !connected.ok()) {
    r.error = far_end(connected);
    bye();
    return r;
  }
  Status setup;
  if (check.outcome == media::Outcome::kSrtpSdes) {
    auto local = std::find_if(spec.sdes_keys.begin(), spec.sdes_keys.end(),
                              [&](const media::SdesKey& k) { return k.tag == check.remote_key->tag; });
    setup = local == spec.sdes_keys.end() ? unavailable_error("the answer's crypto tag matches none we offered")
                                          : sink->use_sdes(*check.remote_key, *local);
  }
  else if (check.outcome == media::Outcome::kSrtpDtls)
    setup = sink->use_dtls(identity,
                           check.dtls_client ? media::DtlsSrtpEndpoint::Role::kClient
                                             : media::DtlsSrtpEndpoint::Role::kServer,
                           *check.remote_fingerprint, o.suites);
  else sink->use_plain();
  if (!setup.ok()) {
    r.error = far_end(setup);
    bye();
    return r;
  }
  auto media_deadline = Clock::now() + o.media_timeout;
  if (o.reinvite_after > 0 && o.reinvite_after < o.packets) {
    r.media = sink->run(o.reinvite_after, media_deadline);
    if (r.media.error.ok() && !r.media.timed_out) reinvite();
  }
  if (r.media.error.ok() && !r.media.timed_out) r.media = sink->run(o.packets, media_deadline);
  bye();
  if (o.listen_after_bye.count() > 0 && r.bye_status == 200)
    r.after_bye_packets = sink->count_late_arrivals(Clock::now() + o.listen_after_bye);
  const auto& s = r.media.stats;
  if (!r.media.error.ok()) r.error = far_end(r.media.error);
  else if (o.reinvite_after > 0 && o.reinvite_after < o.packets &&
           (r.reinvite_status != 200 || !r.reinvite_same_session))
    r.error = unavailable_error("the re-INVITE was not answered with the same session");
  else if (r.after_bye_packets > 0)
    r.error = unavailable_error(std::to_string(r.after_bye_packets) + " datagrams arrived after the 200 to BYE");
  else if (s.ok < o.packets)
    r.error = unavailable_error("received " + std::to_string(s.ok) + " good packets of " + std::to_string(o.packets));
  else if (s.auth_failures || s.replays || s.payload_mismatches || s.malformed)
    r.error = unavailable_error("the stream had bad packets");
  return r;
}

std::string summary_line(const CallResult& r) {
  const auto& s = r.media.stats;
  std::string out = "media " + (r.negotiated.empty() ? std::string("-") : r.negotiated);
  if (!r.media.suite.empty()) out += " suite " + r.media.suite;
  out += ": packets ok " + std::to_string(s.ok) + ", auth failures " + std::to_string(s.auth_failures) +
         ", replays " + std::to_string(s.replays) + ", payload mismatches " + std::to_string(s.payload_mismatches) +
         ", lost " + std::to_string(s.lost) + ", out of order " + std::to_string(s.out_of_order) + ", rtcp ok " +
         std::to_string(s.rtcp_ok) + ", rtcp failed " + std::to_string(s.rtcp_failed) + ", receiver reports sent " +
         std::to_string(r.media.reports_sent);
  if (r.reinvite_status)
    out += "; re-INVITE " + std::to_string(r.reinvite_status) + (r.reinvite_same_session ? " same session" : " another session");
  if (r.bye_status) out += "; BYE " + std::to_string(r.bye_status);
  if (r.bye_status == 200 && r.after_bye_packets) out += ", after BYE " + std::to_string(r.after_bye_packets) + " datagrams";
  return out;
}

}  // namespace imsguard::client
