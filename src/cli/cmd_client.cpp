// `imsguard client register|message|options|invoke|fetch`: the IMS client (UE) for operators
// and tests.
// Registers with Digest (--password) or IMS AKA (--k with --op or --opc) over UDP, TCP or
// TLS, optionally stays registered (--keep) answering what the edge delivers, and exits
// non-zero with a one-line reason when anything fails. Progress goes to stderr; results
// (the registration, the final status, received MESSAGEs) go to stdout.
#include "cli/command.h"
#include "client/content_fetch.h"
#include "client/transport.h"
#include "client/user_agent.h"
#include "crypto/hex.h"
#include "crypto/milenage.h"
#include "sip/uri.h"

#include <signal.h>

#include <algorithm>
#include <cctype>
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
  // invoke / fetch
  std::string service;
  std::string method = "MESSAGE";
  std::string url, token;
  bool invoke = false;
};

// `registration_required`: false for `fetch`, which registers only with --invoke.
void add_common(CLI::App* cmd, Options& o, bool registration_required = true) {
  auto* server = cmd->add_option("--server", o.server, "the edge, HOST:PORT ([v6]:PORT)");
  cmd->add_option("--transport", o.transport, "udp | tcp | tls")->capture_default_str();
  auto* impi = cmd->add_option("--impi", o.impi, "private identity (the Digest username)");
  auto* impu = cmd->add_option("--impu", o.impu, "public identity to register, sip:user@domain");
  if (registration_required) {
    server->required();
    impi->required();
    impu->required();
  }
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

using imsguard::Status;
using imsguard::StatusOr;

// kInvalid unless `hex` is 32 hex digits.
StatusOr<imsguard::crypto::Key> key_of(const std::string& hex, const char* name) {
  auto bytes = imsguard::crypto::from_hex(hex);
  if (!bytes || bytes->size() != 16) return imsguard::invalid_argument(std::string(name) + " must be 32 hex digits");
  imsguard::crypto::Key key{};
  std::copy(bytes->begin(), bytes->end(), key.begin());
  return key;
}

// Everything the options must say before any packet leaves.
struct Prepared {
  TransportOptions transport;
  UserAgentOptions ua;
};

// kInvalid for a usage error (exit 2); kInternal when OpenSSL cannot derive OPc (exit 1).
StatusOr<Prepared> prepare(const Options& o) {
  auto usage = [](std::string message) { return imsguard::invalid_argument(std::move(message)); };
  Prepared p;
  auto kind = parse_transport_kind(o.transport);
  if (!kind) return usage("--transport must be udp, tcp or tls");
  auto server = parse_server_address(o.server);
  if (!server) return server.status();
  p.transport.kind = *kind;
  p.transport.server = *server;
  if (o.timeout_s <= 0 || o.timeout_s > 32)
    return usage("--timeout must be in (0, 32] seconds (RFC 3261 Timer F is 32 s)");
  if (o.keep_s < 0 || o.keep_s > 7 * 86400) return usage("--keep must be between 0 and 604800 seconds");
  auto timeout = std::chrono::milliseconds(static_cast<int64_t>(o.timeout_s * 1000));
  p.transport.connect_timeout = timeout;
  if (*kind == TransportKind::kTls) {
    p.transport.ca_file = !o.ca.empty() ? o.ca : (!o.data_dir.empty() ? o.data_dir + "/pki/ca.crt" : "");
    if (p.transport.ca_file.empty())
      return usage("--transport tls needs --ca FILE (or --data-dir DIR for DIR/pki/ca.crt): the edge's certificate "
                   "is always verified");
  }
  if (impu_domain(o.impu).empty() || impu_user(o.impu).empty())
    return usage("--impu must be a sip: or sips: URI with a user, e.g. sip:alice@ims.local");
  if (o.impi.empty()) return usage("--impi must not be empty");
  auto& c = p.ua.credentials;
  c.impi = o.impi;
  c.realm = o.realm.empty() ? impu_domain(o.impu) : o.realm;
  bool aka = !o.k.empty() || !o.op.empty() || !o.opc.empty();
  if (aka == !o.password.empty()) return usage("give either --password (Digest) or --k with --op/--opc (AKA)");
  if (aka) {
    if (o.k.empty() || o.op.empty() == o.opc.empty()) return usage("AKA needs --k and exactly one of --op, --opc");
    UsimProfile usim;
    auto k = key_of(o.k, "--k");
    if (!k) return k.status();
    usim.k = *k;
    if (!o.opc.empty()) {
      auto opc = key_of(o.opc, "--opc");
      if (!opc) return opc.status();
      usim.opc = *opc;
    } else {
      auto op = key_of(o.op, "--op");
      if (!op) return op.status();
      auto opc = imsguard::crypto::Milenage::compute_opc(*k, *op);
      if (!opc) return imsguard::internal_error("cannot derive OPc (OpenSSL failed)");
      usim.opc = *opc;
    }
    if (!o.amf.empty()) {
      auto amf = imsguard::crypto::from_hex(o.amf);
      if (!amf || amf->size() != 2) return usage("--amf must be 4 hex digits");
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
      if (!ok) return usage("--usim-sqn must be at most 12 hex digits");
      usim.sqn_ms = sqn;
    }
    c.usim = usim;
  } else {
    c.password = o.password;
  }
  for (const auto& h : o.headers) {
    auto parsed = parse_extra_header(h);
    if (!parsed) return parsed.status();
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

// The message, and the exit status for its code: 2 when the input was at fault, 1 otherwise.
void fail(const Status& error) { fail(error.message(), imsguard::cli::exit_status_for(error.code())); }

// Stays registered until --keep runs out or SIGINT/SIGTERM, then un-registers.
bool keep_and_unregister(UserAgent& ua, double keep_s) {
  if (keep_s > 0) {
    auto until = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(keep_s * 1000));
    while (!g_stop && Clock::now() < until) {
      // Short slices so a stop signal is noticed quickly.
      auto slice = std::min(until, Clock::now() + std::chrono::milliseconds(200));
      Outcome served = ua.serve(slice);
      if (!served.ok()) {
        fail(served.error);
        return false;
      }
    }
  }
  Outcome un = ua.unregister();
  if (!un.ok()) {
    fail(Status(un.error.code(), "un-register failed: " + un.error.message()));
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
  auto prepared = prepare(o);
  if (!prepared) {
    fail(prepared.status());
    return std::nullopt;
  }
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGPIPE, SIG_IGN);
  auto opened = open_transport(prepared->transport);
  if (!opened.ok()) {
    fail(opened.status());
    return std::nullopt;
  }
  Session s;
  s.transport = std::move(opened).value();
  s.ua = std::make_unique<UserAgent>(*s.transport, std::move(prepared->ua));
  Outcome reg = s.ua->register_binding();
  if (!reg.ok()) {
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
    if (!r.ok()) fail(r.error);
    // Un-register even after a failed request: the client is leaving, its flow with it.
    keep_and_unregister(*s->ua, o->keep_s);
  });
}

// A service name as the catalogue allows it (letters, digits, '-', '_').
bool valid_service_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

// Sends the service request on a registered session and prints its status and any content
// token. The token when one came back; nullopt (exit status set) when the core refused.
struct Invoked {
  bool ok = false;
  std::optional<ContentToken> token;
};

Invoked invoke_service(const Options& o, Session& s) {
  std::string target = "sip:" + o.service + "@services." + impu_domain(o.impu);
  Outcome r = s.ua->send_request(o.method, target, o.method == "MESSAGE" ? "text/plain" : "",
                                 o.method == "MESSAGE" ? o.text : std::string());
  if (r.status != 0) std::cout << o.method << " " << target << ": " << r.status << " " << r.reason << std::endl;
  Invoked out;
  if (!r.ok()) {
    fail(r.error);
    return out;
  }
  out.ok = true;
  if (auto value = r.header(imsguard::client::kContentTokenHeaderName)) {
    out.token = parse_content_token(*value);
    if (!out.token) {
      fail("the core's Content-Token header is malformed");
      out.ok = false;
      return out;
    }
    std::cout << "Content-Token: " << out.token->token << " service=" << out.token->service
              << " expires=" << out.token->expires << std::endl;
  }
  return out;
}

std::string fetch_ca(const Options& o) {
  return !o.ca.empty() ? o.ca : (!o.data_dir.empty() ? o.data_dir + "/pki/ca.crt" : std::string());
}

// GET with the token; prints `GET <url>: <status>` and the body. false (exit 1) unless 2xx.
bool fetch_and_print(const Options& o, const HttpsUrl& url, const std::string& token) {
  FetchOptions f;
  f.url = url;
  f.token = token;
  f.ca_file = fetch_ca(o);
  f.timeout = std::chrono::milliseconds(static_cast<int64_t>(o.timeout_s * 1000));
  FetchResult r = fetch_content(f);
  if (!r.error.ok()) {
    fail(r.error);
    return false;
  }
  std::cout << "GET " << o.url << ": " << r.status << std::endl;
  std::string body = printable_body(r.body);
  if (r.status >= 200 && r.status < 300) {
    std::cout << body << (body.empty() || body.back() == '\n' ? "" : "\n") << std::flush;
    return true;
  }
  std::string why = body.substr(0, body.find('\n'));
  fail("content server refused: " + std::to_string(r.status) + (why.empty() ? "" : " (" + why + ")"));
  return false;
}

void install_invoke(CLI::App* parent) {
  auto o = std::make_shared<Options>();
  auto* cmd = parent->add_subcommand(
      "invoke", "Register, send the request for a service (sip:<service>@services.<domain>) through the core, "
                "print the status and any content token, un-register");
  add_common(cmd, *o);
  cmd->add_option("--service", o->service, "service name, e.g. messaging or content")->required();
  cmd->add_option("--method", o->method, "MESSAGE (messaging, content token) | OPTIONS")->capture_default_str();
  cmd->add_option("--text", o->text, "MESSAGE body")->capture_default_str();
  cmd->callback([o] {
    if (!valid_service_name(o->service)) return fail("--service must be letters, digits, '-' or '_'", 2);
    if (o->method != "MESSAGE" && o->method != "OPTIONS")
      return fail("--method must be MESSAGE or OPTIONS (a media service is called with `imsguard client call`)", 2);
    auto s = open_session(*o);
    if (!s) return;
    std::cerr << "imsguard client: " << registered_line(*o, *s) << std::endl;
    invoke_service(*o, *s);
    // With --keep the registration (and so the token) stays valid for a separate fetch.
    keep_and_unregister(*s->ua, o->keep_s);
  });
}

void install_fetch(CLI::App* parent) {
  auto o = std::make_shared<Options>();
  auto* cmd = parent->add_subcommand(
      "fetch", "Fetch content over HTTPS with a content token (--token), or register, get one and fetch (--invoke)");
  add_common(cmd, *o, false);
  cmd->add_option("--url", o->url, "https://HOST:PORT/content/<service>")->required();
  auto* token = cmd->add_option("--token", o->token, "the content token (from `imsguard client invoke`)");
  auto* inv = cmd->add_flag("--invoke", o->invoke, "register (with the --server/--impi/--impu options), ask the core "
                                                   "for a token, fetch with it, un-register");
  token->excludes(inv);
  cmd->add_option("--service", o->service, "with --invoke: the service (default: the URL's last path segment)");
  cmd->callback([o] {
    auto url = parse_https_url(o->url);
    if (!url) return fail(url.status());
    if (fetch_ca(*o).empty())
      return fail("fetch needs --ca FILE (or --data-dir DIR for DIR/pki/ca.crt): the content server's "
                  "certificate is always verified", 2);
    if (o->timeout_s <= 0 || o->timeout_s > 32) return fail("--timeout must be in (0, 32] seconds", 2);
    if (!o->invoke) {
      if (o->token.empty()) return fail("give --token T, or --invoke with registration options", 2);
      if (!parse_content_token(o->token)) return fail("--token is not a content token (base64url and dots)", 2);
      fetch_and_print(*o, *url, o->token);
      return;
    }
    if (o->server.empty() || o->impi.empty() || o->impu.empty())
      return fail("--invoke needs --server, --impi and --impu (and --password or --k/--op(c))", 2);
    if (o->service.empty()) {
      std::string path = url->path.substr(0, url->path.find('?'));
      o->service = path.substr(path.rfind('/') + 1);
    }
    if (!valid_service_name(o->service))
      return fail("give --service NAME (the URL does not end in a service name)", 2);
    auto s = open_session(*o);
    if (!s) return;
    std::cerr << "imsguard client: " << registered_line(*o, *s) << std::endl;
    Invoked inv_result = invoke_service(*o, *s);
    if (inv_result.ok && !inv_result.token) fail("the core answered without a Content-Token (not a content service?)");
    if (inv_result.ok && inv_result.token) fetch_and_print(*o, *url, inv_result.token->token);
    // The token is only good while we are registered: un-register after the fetch.
    keep_and_unregister(*s->ua, o->keep_s);
  });
}

imsguard::cli::CommandRegistration reg{[](CLI::App& app) {
  auto* sub = app.add_subcommand("client", "IMS client (UE): register with Digest or AKA, send MESSAGE/OPTIONS, invoke services, fetch content");
  sub->require_subcommand(1);
  install_register(sub);
  install_request(sub, "MESSAGE");
  install_request(sub, "OPTIONS");
  install_invoke(sub);
  install_fetch(sub);
  for (auto& install : imsguard::cli::client_command_installers()) install(*sub);
}};

}  // namespace
