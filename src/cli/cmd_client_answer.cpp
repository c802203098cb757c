// `imsguard client answer`: the client as the called phone. Registers, waits for an INVITE
// delivered by the edge over its flow, answers it with the media service's answerer
// (media::plan_answer under --srtp: SDES, DTLS-SRTP or RTP, 488 with the reason otherwise)
// and plays the PCMU tone to the caller (SRTP when keyed), copying the edge's Record-Route
// into the 2xx (RFC 3261 12.1.1) so the dialog stays on the edge. Re-INVITEs (hold/resume)
// get the same session. The call ends when the caller sends BYE, or after --hangup-after
// seconds with our own BYE along the route set. Exits 0 after a call that was answered and
// ended, 1 otherwise, 2 on bad options.
#include "cli/command.h"
#include "client/request.h"
#include "client/transport.h"
#include "client/user_agent.h"
#include "service/media_service.h"
#include "sip/parser.h"
#include "sip/response.h"
#include "sip/sdp.h"

#include <csignal>
#include <iostream>
#include <memory>

namespace {

using namespace imsguard::client;
namespace sip = imsguard::sip;

struct AnswerCliOptions {
  std::string server, transport = "udp", impi, impu, realm, password, ca, data_dir;
  std::string srtp = "optional", media_address = "127.0.0.1";
  double wait_s = 30, hangup_after_s = 0;
  uint32_t packets = 1500;
  bool verbose = false;
};

void fail(const std::string& error, int status) {
  std::cerr << "imsguard client answer: " << error << std::endl;
  imsguard::cli::exit_status() = status;
}

// The message, and the exit status for its code: 2 when the input was at fault, 1 otherwise.
void fail(const imsguard::Status& error) { fail(error.message(), imsguard::cli::exit_status_for(error.code())); }

// The dialog as the callee keeps it (RFC 3261 12.1.1).
struct Dialog {
  std::string call_id, local_tag, local_uri, remote_uri, remote_from, remote_target, identity;
  std::vector<std::string> route_set;  // the Record-Route values, in order
};

// `response` with the request's Record-Route lines after its status line.
std::string with_record_route(const std::string& response, const sip::Message& request) {
  std::string lines;
  for (const auto& f : request.headers())
    if (f.id == sip::HeaderId::kRecordRoute) lines += std::string(f.raw) + "\r\n";
  size_t eol = response.find("\r\n");
  if (lines.empty() || eol == std::string::npos) return response;
  return response.substr(0, eol + 2) + lines + response.substr(eol + 2);
}

std::string random_tag() { return new_branch().substr(7, 10); }

// Where this phone sends its media: the address the caller's offer names (a phone, unlike the
// service box, answers the party it is in a dialog with; the edge polices what reaches it).
std::string offer_address(const sip::Message& invite) {
  auto parsed = sip::parse_sdp(invite.body());
  if (!parsed) return {};
  for (const auto& m : parsed->media)
    if (const auto* c = parsed->connection_for(m)) return std::string(c->host());
  return {};
}

}  // namespace

namespace {

imsguard::cli::ClientCommandRegistration reg{[](CLI::App& client) {
  auto o = std::make_shared<AnswerCliOptions>();
  auto* cmd = client.add_subcommand(
      "answer", "Register, wait for a call, answer it (SRTP per --srtp), play the tone until BYE or --hangup-after");
  cmd->add_option("--server", o->server, "the edge, HOST:PORT")->required();
  cmd->add_option("--transport", o->transport, "udp | tcp | tls")->capture_default_str();
  cmd->add_option("--impi", o->impi, "private identity")->required();
  cmd->add_option("--impu", o->impu, "public identity, sip:user@domain")->required();
  cmd->add_option("--realm", o->realm, "realm to answer (default: the IMPU's domain)");
  cmd->add_option("--password", o->password, "Digest password")->required();
  cmd->add_option("--ca", o->ca, "TLS: CA of the edge's certificate");
  cmd->add_option("--data-dir", o->data_dir, "TLS: the edge's data directory (for pki/ca.crt)");
  cmd->add_option("--srtp", o->srtp, "our SRTP policy: off | optional | mandatory")->capture_default_str();
  cmd->add_option("--wait", o->wait_s, "seconds to wait for the call and for its end")->capture_default_str();
  cmd->add_option("--hangup-after", o->hangup_after_s, "hang up (BYE) this many seconds after answering (0: wait for the caller's BYE)")
      ->capture_default_str();
  cmd->add_option("--packets", o->packets, "at most this many media packets")->capture_default_str();
  cmd->add_option("--media-address", o->media_address, "local RTP address")->capture_default_str();
  cmd->add_flag("-v,--verbose", o->verbose, "progress lines on stderr");
  cmd->callback([o] {
    auto kind = parse_transport_kind(o->transport);
    if (!kind) return fail("--transport must be udp, tcp or tls", 2);
    auto server = parse_server_address(o->server);
    if (!server) return fail(server.status());
    if (o->wait_s <= 0 || o->wait_s > 3600) return fail("--wait must be in (0, 3600] seconds", 2);
    if (o->hangup_after_s < 0 || o->hangup_after_s > 3600) return fail("--hangup-after must be in [0, 3600] seconds", 2);
    if (impu_domain(o->impu).empty() || impu_user(o->impu).empty())
      return fail("--impu must be a sip: URI with a user, e.g. sip:bob@ims.local", 2);
    imsguard::service::MediaServiceOptions mopts;
    if (o->srtp == "off") mopts.media.srtp_policy = imsguard::config::SrtpPolicy::kOff;
    else if (o->srtp == "optional") mopts.media.srtp_policy = imsguard::config::SrtpPolicy::kOptional;
    else if (o->srtp == "mandatory") mopts.media.srtp_policy = imsguard::config::SrtpPolicy::kMandatory;
    else return fail("--srtp must be off, optional or mandatory", 2);
    mopts.media_address = o->media_address;
    mopts.max_packets = o->packets;
    TransportOptions topts;
    topts.kind = *kind;
    topts.server = *server;
    if (*kind == TransportKind::kTls) {
      topts.ca_file = !o->ca.empty() ? o->ca : (!o->data_dir.empty() ? o->data_dir + "/pki/ca.crt" : "");
      if (topts.ca_file.empty()) return fail("--transport tls needs --ca FILE or --data-dir DIR", 2);
    }
    UserAgentOptions ua;
    ua.impu = o->impu;
    ua.credentials.impi = o->impi;
    ua.credentials.realm = o->realm.empty() ? impu_domain(o->impu) : o->realm;
    ua.credentials.password = o->password;
    auto log = [v = o->verbose](const std::string& line) {
      if (v) std::cerr << "imsguard client: " << line << std::endl;
    };
    ua.log = log;

    std::signal(SIGPIPE, SIG_IGN);
    // The answering client's own counters and events (nowhere: a client, not a node).
    imsguard::ops::CounterRegistry metrics;
    imsguard::ops::EventSink events;
    imsguard::service::MediaService answerer(mopts, metrics, events);
    if (auto started = answerer.start(); !started.ok()) return fail("media: " + started.message(), 1);
    auto opened = open_transport(topts);
    if (!opened.ok()) return fail(opened.status());
    Transport& t = **opened;
    UserAgent agent(t, ua);
    Outcome reg_outcome = agent.register_binding();
    if (!reg_outcome.ok()) return fail(reg_outcome.error);
    std::cerr << "imsguard client: registered " << o->impu << " over " << t.describe() << ", waiting for a call"
              << std::endl;
    ViaAddress via{t.kind(), t.local_host(), t.local_port()};
    std::optional<Dialog> dialog;
    bool ended = false;
    std::string ended_by;
    auto deadline = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(o->wait_s * 1000));
    std::optional<Clock::time_point> hangup_at;
    // Sends below are not checked one by one: a failed send means the flow is gone, and the
    // next receive() reports that and ends the command with exit 1.
    while (!ended && Clock::now() < deadline) {
      auto wake = hangup_at ? std::min(deadline, *hangup_at) : deadline;
      Received r = t.receive(wake);
      if (r.status == Received::Status::kClosed || r.status == Received::Status::kError) {
        answerer.stop();
        return fail("flow to the edge lost: " + r.error, 1);
      }
      if (r.status == Received::Status::kTimeout) {
        if (hangup_at && Clock::now() >= *hangup_at && dialog) {
          // Our BYE along the route set, to the caller's Contact (RFC 3261 12.2.1.1).
          RequestSpec spec;
          spec.method = "BYE";
          spec.request_uri = dialog->remote_target;
          spec.from_uri = dialog->local_uri;
          spec.from_tag = dialog->local_tag;
          spec.to_uri = dialog->remote_uri;
          spec.call_id = dialog->call_id;
          spec.cseq = 1;
          spec.branch = new_branch();
          for (const auto& route : dialog->route_set) spec.headers.emplace_back("Route", route);
          std::string bye = build_request(spec, via);
          std::string plain_to = "To: <" + dialog->remote_uri + ">\r\n";
          if (auto at = bye.find(plain_to); at != std::string::npos)
            bye.replace(at, plain_to.size(), "To: " + dialog->remote_from + "\r\n");
          (void)t.send(bye);
          std::cout << "BYE sent" << std::endl;
          hangup_at.reset();
          deadline = std::min(deadline, Clock::now() + std::chrono::seconds(5));  // for its 200
        }
        continue;
      }
      sip::Message msg;
      auto parsed = t.reliable() ? sip::parse_stream_message(r.bytes, {}, msg) : sip::parse_datagram(r.bytes, {}, msg);
      if (parsed.status != sip::ParseStatus::kOk) continue;
      if (!msg.is_request()) {
        if (auto cseq = msg.cseq(); cseq && cseq->method == "BYE" && msg.status_code() >= 200) {
          std::cout << "BYE: " << msg.status_code() << std::endl;
          ended = msg.status_code() < 300;
          ended_by = "us";
        }
        continue;
      }
      auto from = msg.from();
      std::string identity = from ? std::string(from->uri.raw) : std::string();
      std::string contact = "sip:" + impu_user(o->impu) + "@" + via.host + ":" + std::to_string(via.port) +
                            ";transport=" + std::string(transport_token(via.kind));
      switch (msg.method()) {
        case sip::Method::kInvite: {
          auto to = msg.to();
          bool initial = to && to->tag().empty();
          if (initial && dialog && dialog->call_id != msg.call_id()) {
            (void)t.send(sip::make_response(msg, 486, "Busy Here", {}, random_tag()));
            break;
          }
          if (initial && !dialog) {
            Dialog d;
            d.call_id = std::string(msg.call_id());
            d.local_tag = random_tag();
            d.local_uri = to ? std::string(to->uri.raw) : o->impu;
            d.remote_from = from ? std::string(from->raw) : std::string();
            d.remote_uri = identity;
            d.identity = identity;
            if (auto contacts = msg.contacts(); contacts && !contacts->empty())
              d.remote_target = std::string(contacts->front().uri.raw);
            if (auto rr = msg.record_routes())
              for (const auto& e : *rr) d.route_set.emplace_back(e.raw);
            dialog = d;
          }
          std::string tag = dialog ? dialog->local_tag : random_tag();
          std::string resp = with_record_route(answerer.handle_invite(msg, tag, contact, identity, t.describe(), offer_address(msg)), msg);
          (void)t.send(resp);
          int code = resp.size() > 12 ? std::atoi(resp.substr(8, 3).c_str()) : 0;
          std::cout << (initial ? "INVITE from " : "re-INVITE from ") << identity << ": " << code << std::endl;
          if (initial && code >= 300) {
            dialog.reset();
            ended = true;
            ended_by = "refused";
          } else if (initial && o->hangup_after_s > 0) {
            hangup_at = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(o->hangup_after_s * 1000));
          }
          break;
        }
        case sip::Method::kAck:
          break;
        case sip::Method::kBye: {
          std::string tag = dialog ? dialog->local_tag : random_tag();
          std::string resp = answerer.handle_bye(msg, tag, identity);
          (void)t.send(resp);
          if (dialog && msg.call_id() == dialog->call_id) {
            std::cout << "BYE from " << identity << ": answered 200" << std::endl;
            ended = true;
            ended_by = "caller";
          }
          break;
        }
        case sip::Method::kCancel: {
          (void)t.send(answerer.handle_cancel(msg, dialog ? dialog->local_tag : random_tag(), identity));
          break;
        }
        default:
          (void)t.send(sip::make_response(msg, msg.method() == sip::Method::kOptions ? 200 : 405,
                                          msg.method() == sip::Method::kOptions ? "OK" : "Method Not Allowed", {},
                                          random_tag()));
          break;
      }
    }
    const auto& stats = answerer.pump().stats();
    std::cout << "media: packets sent " << stats.packets.load() << ", rtcp received " << stats.rtcp_received.load()
              << std::endl;
    answerer.stop();
    agent.unregister();
    if (!dialog) return fail("no call answered within --wait", 1);
    if (!ended) return fail("the call did not end within --wait", 1);
    std::cout << "call ended by " << ended_by << std::endl;
  });
}};

}  // namespace
