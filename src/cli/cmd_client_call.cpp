// `imsguard client call`: register, call a media service (INVITE with an SDP offer made by
// --srtp and --keying), receive and verify the stream (SRTP authentication, replay,
// sequence, the expected tone), hang up (BYE), un-register, print a summary. Exits 2 on bad
// options, including options the call cannot be made with (SDES keys over a plain flow, a
// --media-address that is not an IP address); 1 when the call or any packet check fails
// (cli::exit_status_for of the failure's code).
#include "cli/command.h"
#include "client/call.h"
#include "client/transport.h"
#include "client/user_agent.h"
#include "crypto/hex.h"
#include "crypto/milenage.h"

#include <csignal>
#include <iostream>
#include <memory>

namespace {

using namespace imsguard::client;

struct CallCliOptions {
  std::string server, transport = "udp", impi, impu, realm, password, k, op, opc, ca, data_dir;
  std::string to, srtp = "optional", keying = "sdes", media_address = "127.0.0.1";
  std::vector<std::string> suites;
  uint32_t packets = 100;
  uint32_t reinvite_after = 0;
  double listen_after_bye_s = 0;
  double timeout_s = 5, media_timeout_s = 15;
  bool allow_sdes_over_plain = false;
  bool verbose = false;
};

using imsguard::Status;
using imsguard::StatusOr;

// The message, and the exit status for its code: 2 when the input was at fault, 1 otherwise.
void fail(const Status& error) {
  std::cerr << "imsguard client call: " << error.message() << std::endl;
  imsguard::cli::exit_status() = imsguard::cli::exit_status_for(error.code());
}

Status usage(std::string message) { return imsguard::invalid_argument(std::move(message)); }

// kInvalid unless `hex` is 32 hex digits.
StatusOr<imsguard::crypto::Key> key16(const std::string& hex, const char* name) {
  auto bytes = imsguard::crypto::from_hex(hex);
  if (!bytes || bytes->size() != 16) return usage(std::string(name) + " must be 32 hex digits");
  imsguard::crypto::Key key{};
  std::copy(bytes->begin(), bytes->end(), key.begin());
  return key;
}

// Before any packet leaves: kInvalid for a usage error (exit 2); kInternal when OpenSSL
// cannot derive OPc (exit 1).
Status prepare(const CallCliOptions& o, TransportOptions& topts, UserAgentOptions& ua, CallOptions& call) {
  auto kind = parse_transport_kind(o.transport);
  if (!kind) return usage("--transport must be udp, tcp or tls");
  auto server = parse_server_address(o.server);
  if (!server) return server.status();
  if (o.timeout_s <= 0 || o.timeout_s > 32) return usage("--timeout must be in (0, 32] seconds");
  if (o.media_timeout_s <= 0 || o.media_timeout_s > 600) return usage("--media-timeout must be in (0, 600] seconds");
  if (o.packets == 0 || o.packets > 30000) return usage("--packets must be 1..30000");
  if (o.reinvite_after >= o.packets && o.reinvite_after != 0)
    return usage("--reinvite-after must be below --packets");
  if (o.listen_after_bye_s < 0 || o.listen_after_bye_s > 30)
    return usage("--listen-after-bye must be in [0, 30] seconds");
  topts.kind = *kind;
  topts.server = *server;
  topts.connect_timeout = std::chrono::milliseconds(static_cast<int64_t>(o.timeout_s * 1000));
  if (*kind == TransportKind::kTls) {
    topts.ca_file = !o.ca.empty() ? o.ca : (!o.data_dir.empty() ? o.data_dir + "/pki/ca.crt" : "");
    if (topts.ca_file.empty()) return usage("--transport tls needs --ca FILE or --data-dir DIR");
  }
  if (impu_domain(o.impu).empty() || impu_user(o.impu).empty())
    return usage("--impu must be a sip: or sips: URI with a user, e.g. sip:alice@ims.local");
  ua.impu = o.impu;
  ua.timeout = topts.connect_timeout;
  ua.credentials.impi = o.impi;
  ua.credentials.realm = o.realm.empty() ? impu_domain(o.impu) : o.realm;
  bool aka = !o.k.empty();
  if (aka == !o.password.empty()) return usage("give either --password (Digest) or --k with --op/--opc (AKA)");
  if (aka) {
    if (o.op.empty() == o.opc.empty()) return usage("AKA needs --k and exactly one of --op, --opc");
    UsimProfile usim;
    auto k = key16(o.k, "--k");
    if (!k) return k.status();
    usim.k = *k;
    auto second = key16(o.opc.empty() ? o.op : o.opc, o.opc.empty() ? "--op" : "--opc");
    if (!second) return second.status();
    if (o.opc.empty()) {
      auto opc = imsguard::crypto::Milenage::compute_opc(*k, *second);
      if (!opc) return imsguard::internal_error("cannot derive OPc");
      usim.opc = *opc;
    } else {
      usim.opc = *second;
    }
    ua.credentials.usim = usim;
  } else {
    ua.credentials.password = o.password;
  }
  if (o.verbose) ua.log = [](const std::string& line) { std::cerr << "imsguard client: " << line << std::endl; };

  call.target = o.to.empty() ? "sip:media@services." + impu_domain(o.impu) : o.to;
  call.impu = o.impu;
  if (o.srtp == "off") call.policy = imsguard::config::SrtpPolicy::kOff;
  else if (o.srtp == "optional") call.policy = imsguard::config::SrtpPolicy::kOptional;
  else if (o.srtp == "mandatory") call.policy = imsguard::config::SrtpPolicy::kMandatory;
  else return usage("--srtp must be off, optional or mandatory");
  if (o.keying == "sdes") call.keying = imsguard::media::Keying::kSdes;
  else if (o.keying == "dtls") call.keying = imsguard::media::Keying::kDtls;
  else return usage("--keying must be sdes or dtls");
  if (!o.suites.empty()) {
    call.suites.clear();
    for (const auto& name : o.suites) {
      auto s = imsguard::media::suite_from_sdes_name(name);
      if (!s) return usage("--suite " + name + ": not one of " + imsguard::media::sdes_names());
      call.suites.push_back(*s);
    }
  }
  call.sdes_requires_tls = !o.allow_sdes_over_plain;
  call.media_address = o.media_address;
  call.packets = o.packets;
  call.reinvite_after = o.reinvite_after;
  call.listen_after_bye = std::chrono::milliseconds(static_cast<int64_t>(o.listen_after_bye_s * 1000));
  call.timeout = topts.connect_timeout;
  call.media_timeout = std::chrono::milliseconds(static_cast<int64_t>(o.media_timeout_s * 1000));
  call.log = ua.log;
  call.credentials = ua.credentials;  // a 401/407 to the INVITE is answered (the edge's 407 over UDP)
  return {};
}

imsguard::cli::ClientCommandRegistration reg{[](CLI::App& client) {
  auto o = std::make_shared<CallCliOptions>();
  auto* cmd = client.add_subcommand(
      "call", "Register, call a media service, verify the (S)RTP stream it sends, hang up; summary on stdout");
  cmd->add_option("--server", o->server, "the edge, HOST:PORT")->required();
  cmd->add_option("--transport", o->transport, "udp | tcp | tls")->capture_default_str();
  cmd->add_option("--impi", o->impi, "private identity")->required();
  cmd->add_option("--impu", o->impu, "public identity, sip:user@domain")->required();
  cmd->add_option("--realm", o->realm, "realm to answer (default: the IMPU's domain)");
  cmd->add_option("--password", o->password, "Digest password");
  cmd->add_option("--k", o->k, "AKA K, 32 hex digits");
  cmd->add_option("--op", o->op, "AKA OP, 32 hex digits");
  cmd->add_option("--opc", o->opc, "AKA OPc, 32 hex digits");
  cmd->add_option("--ca", o->ca, "TLS: CA of the edge's certificate");
  cmd->add_option("--data-dir", o->data_dir, "TLS: the edge's data directory (for pki/ca.crt)");
  cmd->add_option("--to", o->to, "the media service URI (default sip:media@services.<IMPU domain>)");
  cmd->add_option("--srtp", o->srtp, "our SRTP policy: off | optional | mandatory")->capture_default_str();
  cmd->add_option("--keying", o->keying, "sdes (a=crypto, needs TLS signaling) | dtls (DTLS-SRTP)")->capture_default_str();
  cmd->add_option("--suite", o->suites, "SRTP suite to offer/accept, repeatable (default: all three)");
  cmd->add_option("--packets", o->packets, "good packets to receive before hanging up")->capture_default_str();
  cmd->add_option("--reinvite-after", o->reinvite_after,
                  "send a re-INVITE after this many good packets; it must keep the same session (0: none)")
      ->capture_default_str();
  cmd->add_option("--listen-after-bye", o->listen_after_bye_s,
                  "seconds to keep the media port open after the 200 to BYE; any datagram then is a failure")
      ->capture_default_str();
  cmd->add_option("--media-address", o->media_address, "local RTP address")->capture_default_str();
  cmd->add_option("--timeout", o->timeout_s, "per SIP request, seconds")->capture_default_str();
  cmd->add_option("--media-timeout", o->media_timeout_s, "for the whole stream, seconds")->capture_default_str();
  cmd->add_flag("--allow-sdes-over-plain", o->allow_sdes_over_plain, "offer SDES keys over a non-TLS flow (unsafe; tests)");
  cmd->add_flag("-v,--verbose", o->verbose, "progress lines on stderr");
  cmd->callback([o] {
    TransportOptions topts;
    UserAgentOptions ua;
    CallOptions call;
    if (Status prepared = prepare(*o, topts, ua, call); !prepared.ok()) return fail(prepared);
    std::signal(SIGPIPE, SIG_IGN);
    auto opened = open_transport(topts);
    if (!opened.ok()) return fail(opened.status());
    Transport& transport = **opened;
    UserAgent agent(transport, ua);
    Outcome reg_outcome = agent.register_binding();
    if (!reg_outcome.ok()) return fail(reg_outcome.error);
    std::cerr << "imsguard client: registered " << o->impu << " over " << transport.describe() << std::endl;
    CallResult r = place_call(transport, call);
    if (r.status) std::cout << "INVITE " << call.target << ": " << r.status << " " << r.reason << std::endl;
    if (r.outcome != imsguard::media::Outcome::kRefused || r.status == 200) std::cout << summary_line(r) << std::endl;
    agent.unregister();
    if (!r.ok()) fail(r.error);
  });
}};

}  // namespace
