// `imsguard client register|message|options`: the IMS client (UE) for operators and tests.
// Registers with Digest (--password) or IMS AKA (--k with --op or --opc) over UDP, TCP or
// TLS, optionally stays registered (--keep) answering what the edge delivers, and exits
// non-zero with a one-line reason when anything fails. Progress goes to stderr; results
// (the registration, the final status, received MESSAGEs) go to stdout.
#include "cli/command.h"
#include "client/transport.h"
#include "client/user_agent.h"
#include "crypto/hex.h"
#include "crypto/milenage.h"
#include "sip/uri.h"

#include <signal.h>

#include <csignal>
#include <iostream>
#include <memory>

namespace {

using namespace imsguard::client;

volatile std::sig_atomic_t g_stop = 0;
void on_stop_signal(int) { g_stop = 1; }

struct Options {
  std::string server;
  std::string transport = "udp";
  std::string impi, impu, realm;
  std::string password;
  std::string k, op, opc, amf, usim_sqn;
  std::string ca, data_dir;
  uint32_t expires = 600;
  double keep_s = 0;
  double timeout_s = 5;
  std::vector<std::string> headers;
  bool verbose = false;
  // message / options
  std::string to;
  std::string text;
  std::string content_type = "text/plain";
};

void add_common(CLI::App* cmd, Options& o) {
  cmd->add_option("--server", o.server, "the edge, HOST:PORT ([v6]:PORT)")->required();
  cmd->add_option("--transport", o.transport, "udp | tcp | tls")->capture_default_str();
  cmd->add_option("--impi", o.impi, "private identity (the Digest username)")->required();
  cmd->add_option("--impu", o.impu, "public identity to register, sip:user@domain")->required();
  cmd->add_option("--realm", o.realm, "realm to answer (default: the IMPU's domain)");
  cmd->add_option("--password", o.password, "Digest password (IP client without SIM)");
  cmd->add_option("--k", o.k, "AKA subscriber key K, 32 hex digits (SIM client)");
  cmd->add_option("--op", o.op, "AKA operator key OP, 32 hex digits");
  cmd->add_option("--opc", o.opc, "AKA OPc, 32 hex digits");
  cmd->add_option("--amf", o.amf, "AKA: the AMF challenges must carry, 4 hex digits (default: any)");
  cmd->add_option("--usim-sqn", o.usim_sqn, "AKA: highest SQN the USIM has accepted, hex (default 0)");
  cmd->add_option("--ca", o.ca, "TLS: CA of the edge's certificate (default <data-dir>/pki/ca.crt)");
  cmd->add_option("--data-dir", o.data_dir, "TLS: the edge's data directory, to find its CA");
  cmd->add_option("--expires", o.expires, "registration lifetime asked for, seconds")->capture_default_str();
  cmd->add_option("--keep", o.keep_s, "stay registered this many seconds (refreshing, answering OPTIONS/MESSAGE)");
  cmd->add_option("--timeout", o.timeout_s, "give up on a request after this many seconds")->capture_default_str();
  cmd->add_option("--header", o.headers, "extra header \"Name: value\" for every request; repeatable");
  cmd->add_flag("-v,--verbose", o.verbose, "progress lines on stderr");
}

std::optional<imsguard::crypto::Key> key_of(const std::string& hex, const char* name, std::string& error) {
  auto bytes = imsguard::crypto::from_hex(hex);
  if (!bytes || bytes->size() != 16) {
    error = std::string(name) + " must be 32 hex digits";
    return std::nullopt;
  }
  imsguard::crypto::Key key{};
  std::copy(bytes->begin(), bytes->end(), key.begin());
  return key;
}

// Everything the options must say before any packet leaves; errors are usage errors (2).
struct Prepared {
  TransportOptions transport;
  UserAgentOptions ua;
};

std::optional<Prepared> prepare(const Options& o, std::string& error) {
  Prepared p;
  auto kind = parse_transport_kind(o.transport);
  if (!kind) {
    error = "--transport must be udp, tcp or tls";
    return std::nullopt;
  }
  auto server = parse_server_address(o.server, error);
  if (!server) return std::nullopt;
  p.transport.kind = *kind;
  p.transport.server = *server;
  if (o.timeout_s <= 0 || o.timeout_s > 32) {
    error = "--timeout must be in (0, 32] seconds (RFC 3261 Timer F is 32 s)";
    return std::nullopt;
  }
  if (o.keep_s < 0 || o.keep_s > 7 * 86400) {
    error = "--keep must be between 0 and 604800 seconds";
    return std::nullopt;
  }
  auto timeout = std::chrono::milliseconds(static_cast<int64_t>(o.timeout_s * 1000));
  p.transport.connect_timeout = timeout;
  if (*kind == TransportKind::kTls) {
    p.transport.ca_file = !o.ca.empty() ? o.ca : (!o.data_dir.empty() ? o.data_dir + "/pki/ca.crt" : "");
    if (p.transport.ca_file.empty()) {
      error = "--transport tls needs --ca FILE (or --data-dir DIR for DIR/pki/ca.crt): the edge's certificate is always verified";
      return std::nullopt;
    }
  }
  if (impu_domain(o.impu).empty() || impu_user(o.impu).empty()) {
    error = "--impu must be a sip: or sips: URI with a user, e.g. sip:alice@ims.local";
    return std::nullopt;
  }
  if (o.impi.empty()) {
    error = "--impi must not be empty";
    return std::nullopt;
  }
  auto& c = p.ua.credentials;
  c.impi = o.impi;
  c.realm = o.realm.empty() ? impu_domain(o.impu) : o.realm;
  bool aka = !o.k.empty() || !o.op.empty() || !o.opc.empty();
  if (aka == !o.password.empty()) {
    error = "give either --password (Digest) or --k with --op/--opc (AKA)";
    return std::nullopt;
  }
  if (aka) {
    if (o.k.empty() || o.op.empty() == o.opc.empty()) {
      error = "AKA needs --k and exactly one of --op, --opc";
      return std::nullopt;
    }
    UsimProfile usim;
    auto k = key_of(o.k, "--k", error);
    if (!k) return std::nullopt;
    usim.k = *k;
    if (!o.opc.empty()) {
      auto opc = key_of(o.opc, "--opc", error);
      if (!opc) return std::nullopt;
      usim.opc = *opc;
    } else {
      auto op = key_of(o.op, "--op", error);
      if (!op) return std::nullopt;
      auto opc = imsguard::crypto::Milenage::compute_opc(*k, *op);
      if (!opc) {
        error = "cannot derive OPc (OpenSSL failed)";
        return std::nullopt;
      }
      usim.opc = *opc;
    }
    if (!o.amf.empty()) {
      auto amf = imsguard::crypto::from_hex(o.amf);
      if (!amf || amf->size() != 2) {
        error = "--amf must be 4 hex digits";
        return std::nullopt;
      }
      usim.expected_amf = imsguard::crypto::Amf{(*amf)[0], (*amf)[1]};
    }
    if (!o.usim_sqn.empty()) {
      uint64_t sqn = 0;
      bool ok = o.usim_sqn.size() <= 12;
      for (char ch : o.usim_sqn) {
        int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
        if (d < 0) ok = false;
        else sqn = sqn * 16 + static_cast<uint64_t>(d);
      }
      if (!ok) {
        error = "--usim-sqn must be at most 12 hex digits";
        return std::nullopt;
      }
      usim.sqn_ms = sqn;
    }
    c.usim = usim;
  } else {
    c.password = o.password;
  }
  for (const auto& h : o.headers) {
    auto parsed = parse_extra_header(h, error);
    if (!parsed) return std::nullopt;
    p.ua.extra_headers.push_back(*parsed);
  }
  p.ua.impu = o.impu;
  p.ua.expires = o.expires;
  p.ua.timeout = timeout;
  p.ua.on_message = [](const std::string& line) { std::cout << line << std::endl; };
  if (o.verbose) p.ua.log = [](const std::string& line) { std::cerr << "imsguard client: " << line << std::endl; };
  return p;
}

void fail(const std::string& error, int status = 1) {
  std::cerr << "imsguard client: " << error << std::endl;
  imsguard::cli::exit_status() = status;
}

// Stays registered until --keep runs out or SIGINT/SIGTERM, then un-registers.
bool keep_and_unregister(UserAgent& ua, double keep_s) {
  if (keep_s > 0) {
    auto until = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(keep_s * 1000));
    while (!g_stop && Clock::now() < until) {
      // Short slices so a stop signal is noticed quickly.
      auto slice = std::min(until, Clock::now() + std::chrono::milliseconds(200));
      Outcome served = ua.serve(slice);
      if (!served.ok) {
        fail(served.error);
        return false;
      }
    }
  }
  Outcome un = ua.unregister();
  if (!un.ok) {
    fail("un-register failed: " + un.error);
    return false;
  }
  return true;
}

// Sets up the flow and registers; nullptr (exit status set) on failure.
struct Session {
  std::unique_ptr<Transport> transport;
  std::unique_ptr<UserAgent> ua;
};

std::optional<Session> open_session(const Options& o) {
  std::string error;
  auto prepared = prepare(o, error);
  if (!prepared) {
    fail(error, 2);
    return std::nullopt;
  }
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGPIPE, SIG_IGN);
  auto opened = open_transport(prepared->transport);
  if (!opened.transport) {
    fail(opened.error);
    return std::nullopt;
  }
  Session s;
  s.transport = std::move(opened.transport);
  s.ua = std::make_unique<UserAgent>(*s.transport, std::move(prepared->ua));
  Outcome reg = s.ua->register_binding();
  if (!reg.ok) {
    fail(reg.error);
    return std::nullopt;
  }
  return s;
}

std::string registered_line(const Options& o, const Session& s) {
  std::string line = "registered " + o.impu + " over " + s.transport->describe() + " (expires " +
                     std::to_string(s.ua->granted_expires()) + " s";
  if (!s.ua->associated_uris().empty()) {
    line += "; associated:";
    for (const auto& u : s.ua->associated_uris()) line += " " + u;
  }
  return line + ")";
}

void install_register(CLI::App* parent) {
  auto o = std::make_shared<Options>();
  auto* cmd = parent->add_subcommand("register", "Register an IMPU (REGISTER, 401, answer, 200)");
  add_common(cmd, *o);
  cmd->callback([o] {
    auto s = open_session(*o);
    if (!s) return;
    std::cout << registered_line(*o, *s) << std::endl;
    if (o->keep_s <= 0) return;  // one-shot: the binding stays until it expires
    if (keep_and_unregister(*s->ua, o->keep_s))
      std::cout << "unregistered " << o->impu << " (refreshed " << s->ua->refreshes() << " times, "
                << s->ua->messages_received() << " MESSAGE received)" << std::endl;
  });
}

void install_request(CLI::App* parent, const std::string& method) {
  auto o = std::make_shared<Options>();
  bool is_message = method == "MESSAGE";
  auto* cmd = parent->add_subcommand(
      is_message ? "message" : "options",
      is_message ? "Register, send a MESSAGE through the edge, print its final status, un-register"
                 : "Register, send OPTIONS through the edge (to --to, default the edge itself), print the status");
  add_common(cmd, *o);
  if (is_message) {
    cmd->add_option("--to", o->to, "recipient, sip:user@domain")->required();
    cmd->add_option("--text", o->text, "the message body")->required();
    cmd->add_option("--content-type", o->content_type, "body type")->capture_default_str();
  } else {
    cmd->add_option("--to", o->to, "target URI (default: sip:<IMPU domain>, answered by the edge)");
  }
  cmd->callback([o, method, is_message] {
    std::string target = o->to.empty() ? "sip:" + impu_domain(o->impu) : o->to;
    if (!imsguard::sip::parse_uri(target) || impu_domain(target).empty()) {
      fail("--to must be a sip: or sips: URI", 2);
      return;
    }
    auto s = open_session(*o);
    if (!s) return;
    std::cerr << "imsguard client: " << registered_line(*o, *s) << std::endl;
    Outcome r = s->ua->send_request(method, target, is_message ? o->content_type : std::string(),
                                    is_message ? o->text : std::string());
    if (r.status != 0) std::cout << method << " " << target << ": " << r.status << " " << r.reason << std::endl;
    if (!r.ok) fail(r.error);
    // Un-register even after a failed request: the client is leaving, its flow with it.
    keep_and_unregister(*s->ua, o->keep_s);
  });
}

imsguard::cli::CommandRegistration reg{[](CLI::App& app) {
  auto* sub = app.add_subcommand("client", "IMS client (UE): register with Digest or AKA, send MESSAGE/OPTIONS");
  sub->require_subcommand(1);
  install_register(sub);
  install_request(sub, "MESSAGE");
  install_request(sub, "OPTIONS");
  for (auto& install : imsguard::cli::client_command_installers()) install(*sub);
}};

}  // namespace
