// `imsguard client` against a real `imsguard run` (edge + core) on loopback: Digest over
// UDP, TCP and TLS, IMS AKA over TLS (with and without SQN resynchronisation), the failures
// an operator must be told about in one clear line (wrong password, a network that cannot
// prove it knows K, an untrusted certificate, no answer), and two users exchanging a
// MESSAGE through the edge where the receiver sees the sender's authenticated identity even
// though the sender forged another one.
#include "imsguard_process.h"
#include "net/pki.h"
#include "process.h"
#include "sip_socket.h"
#include "tcp_listener.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

using namespace imsguard::testkit;
using namespace std::chrono_literals;

namespace {

struct ClientRun {
  int status = -1;
  std::string output;  // stdout and stderr
};

std::string log_path(const std::string& dir) {
  static std::atomic<int> n{0};
  return dir + "/client-" + std::to_string(++n) + ".log";
}

std::vector<std::string> client_argv(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {IMSGUARD_BIN, "client"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

// Runs `imsguard client ARGS` to completion (bounded) and returns its status and output.
ClientRun run_client(const std::string& dir, const std::vector<std::string>& args) {
  ChildProcess p;
  std::string log = log_path(dir);
  ClientRun r;
  if (!p.start(client_argv(args), log)) return r;
  r.status = p.wait(60s);
  if (r.status == -2) r.status = p.stop();
  r.output = read_file(log);
  return r;
}

class ClientE2e : public ::testing::Test {
 protected:
  void start(ImsguardOptions options = {}) {
    ASSERT_TRUE(edge_.start(options)) << edge_.log();
    dir_ = edge_.data_dir();
  }

  std::string server(const std::string& transport) const {
    return "127.0.0.1:" + std::to_string(transport == "tls" ? edge_.tls_port() : edge_.sip_port());
  }

  std::vector<std::string> alice(const std::string& transport, const std::string& command = "register") const {
    std::vector<std::string> a = {command, "--server", server(transport), "--transport", transport,
                                  "--impi", edge_.demo("digest", "impi"), "--impu", edge_.demo("digest", "impu"),
                                  "--realm", "ims.local", "--password", edge_.demo("digest", "password")};
    if (transport == "tls") a.insert(a.end(), {"--ca", dir_ + "/pki/ca.crt"});
    return a;
  }

  std::vector<std::string> bob(const std::string& transport, const std::string& k) const {
    std::vector<std::string> a = {"register", "--server", server(transport), "--transport", transport,
                                  "--impi", edge_.demo("aka", "impi"), "--impu", edge_.demo("aka", "impu"),
                                  "--realm", "ims.local", "--k", k, "--opc", edge_.demo("aka", "opc")};
    if (transport == "tls") a.insert(a.end(), {"--data-dir", dir_});
    return a;
  }

  // Adds a Digest subscriber with the real provisioning command, while the edge runs.
  void add_subscriber(const std::string& user, const std::string& password) {
    ChildProcess p;
    std::string log = dir_ + "/subscriber-add.log";
    ASSERT_TRUE(p.start({IMSGUARD_BIN, "subscriber", "add", "--data-dir", dir_, "--realm", "ims.local", "--impi",
                         user + "@ims.local", "--impu", "sip:" + user + "@ims.local", "--password", password,
                         "--service", "messaging"},
                        log));
    ASSERT_EQ(p.wait(30s), 0) << read_file(log);
  }

  ImsguardProcess edge_;
  std::string dir_;
};

class DigestOverTransport : public ClientE2e, public ::testing::WithParamInterface<std::string> {};

TEST_P(DigestOverTransport, RegistersAndTheRegistrarConfirmsTheIdentity) {
  start();
  std::string transport = GetParam();
  ClientRun r = run_client(dir_, alice(transport));
  ASSERT_EQ(r.status, 0) << r.output;
  // The line is printed only after a 200 OK; P-Associated-URI comes from the registrar.
  EXPECT_NE(r.output.find("registered sip:alice@ims.local over " + transport + " 127.0.0.1:"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("associated: sip:alice@ims.local)"), std::string::npos) << r.output;
  EXPECT_EQ(edge_.stop(), 0) << edge_.log();
  EXPECT_NE(edge_.log().find("imsguard_auth_total{result=\"ok\",scheme=\"digest\"} 1"), std::string::npos)
      << edge_.log();
}

INSTANTIATE_TEST_SUITE_P(Transports, DigestOverTransport, ::testing::Values("udp", "tcp", "tls"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

TEST_F(ClientE2e, AkaRegistersOverTls) {
  start();
  ClientRun r = run_client(dir_, bob("tls", edge_.demo("aka", "k")));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("registered sip:bob@ims.local over tls"), std::string::npos) << r.output;
  EXPECT_EQ(edge_.stop(), 0);
  EXPECT_NE(edge_.log().find("imsguard_auth_total{result=\"ok\",scheme=\"aka\"} 1"), std::string::npos)
      << edge_.log();
}

TEST_F(ClientE2e, AkaResynchronisesAStaleSqn) {
  start();
  // The USIM has seen SQNs far ahead of the network's stored one: it answers with AUTS and
  // the network continues from the USIM's SQN.
  auto args = bob("tcp", edge_.demo("aka", "k"));
  args.insert(args.end(), {"--usim-sqn", "20000", "-v"});
  ClientRun r = run_client(dir_, args);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("resynchronisation"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("registered sip:bob@ims.local"), std::string::npos) << r.output;
}

TEST_F(ClientE2e, WrongPasswordFailsWithAClearReason) {
  start();
  auto args = alice("udp");
  args.back() = "not-" + args.back();
  ClientRun r = run_client(dir_, args);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("authentication failed"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("registered"), std::string::npos) << r.output;
}

TEST_F(ClientE2e, AkaWithWrongKeyReportsThatTheNetworkFailedToAuthenticate) {
  start();
  std::string k = edge_.demo("aka", "k");
  k[0] = k[0] == '0' ? '1' : '0';
  ClientRun r = run_client(dir_, bob("tls", k));
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("network failed to authenticate (MAC mismatch)"), std::string::npos) << r.output;
  // The client refused to answer: the edge saw no AKA answer at all, so no failure either.
  EXPECT_EQ(edge_.stop(), 0);
  EXPECT_EQ(edge_.log().find("imsguard_auth_total{result=\"failed\""), std::string::npos) << edge_.log();
}

TEST_F(ClientE2e, TlsRefusesAnEdgeCertificateFromAnotherCa) {
  start();
  std::string other = make_temp_dir("imsguard-other-ca");
  ASSERT_TRUE(imsguard::net::pki_init(other).ok());
  auto args = alice("tls");
  args.back() = other + "/ca.crt";
  ClientRun r = run_client(dir_, args);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("certificate not trusted"), std::string::npos) << r.output;
}

TEST_F(ClientE2e, NoAnswerTimesOutAfterRetransmitting) {
  // A UDP peer that reads but never answers.
  UdpPeer silent;
  std::string dir = make_temp_dir("imsguard-client-timeout");
  ChildProcess p;
  std::string log = dir + "/client.log";
  ASSERT_TRUE(p.start(client_argv({"register", "--server", "127.0.0.1:" + std::to_string(silent.local_port()),
                                   "--impi", "a@ims.local", "--impu", "sip:a@ims.local", "--password", "x",
                                   "--timeout", "2"}),
                      log));
  int datagrams = 0;
  // The first may take a while (process start); retransmissions follow 0.5 s and 1 s later.
  if (silent.receive(20s)) ++datagrams;
  while (silent.receive(1500ms)) ++datagrams;
  int status = p.wait(30s);
  std::string output = read_file(log);
  EXPECT_EQ(status, 1) << output;
  EXPECT_NE(output.find("no final answer to REGISTER"), std::string::npos) << output;
  // T1 = 500 ms: the REGISTER went out at least twice before the 2 s timeout.
  EXPECT_GE(datagrams, 2);
}

TEST_F(ClientE2e, BadOptionsExitWithUsageStatus) {
  std::string dir = make_temp_dir("imsguard-client-usage");
  const std::vector<std::vector<std::string>> cases = {
      {"register", "--server", "127.0.0.1:5060", "--impi", "a", "--impu", "sip:a@x"},  // no secret
      {"register", "--server", "127.0.0.1:5060", "--impi", "a", "--impu", "sip:a@x", "--password", "p", "--k",
       "00112233445566778899aabbccddeeff", "--opc", "00112233445566778899aabbccddeeff"},  // both
      {"register", "--server", "127.0.0.1:5060", "--impi", "a", "--impu", "sip:a@x", "--k", "0011"},
      {"register", "--server", "127.0.0.1", "--impi", "a", "--impu", "sip:a@x", "--password", "p"},
      {"register", "--server", "127.0.0.1:5061", "--transport", "tls", "--impi", "a", "--impu", "sip:a@x",
       "--password", "p"},  // TLS without a CA
      {"register", "--server", "127.0.0.1:5060", "--transport", "sctp", "--impi", "a", "--impu", "sip:a@x",
       "--password", "p"},
      {"register", "--server", "127.0.0.1:5060", "--impi", "a", "--impu", "tel:+123", "--password", "p"},
      {"message", "--server", "127.0.0.1:5060", "--impi", "a", "--impu", "sip:a@x", "--password", "p", "--to",
       "sip:b@x", "--text", "t", "--header", "X-A: 1\nVia: forged"},
      {"message", "--server", "127.0.0.1:5060", "--impi", "a", "--impu", "sip:a@x", "--password", "p", "--to",
       "sip:b@x"},  // no --text
      {"fetch", "--url", "http://127.0.0.1:8443/content/content", "--token", "abc.def", "--ca", "ca.crt"},
      {"call", "--server", "127.0.0.1:5060", "--impi", "a", "--impu", "sip:a@x", "--k", "0011", "--opc",
       "00112233445566778899aabbccddeeff"},
      {"answer", "--server", "127.0.0.1", "--impi", "a", "--impu", "sip:a@x", "--password", "p"},
      {"register", "--server", "127.0.0.1:5061", "--transport", "tls", "--ca", dir + "/missing-ca.crt", "--impi",
       "a", "--impu", "sip:a@x", "--password", "p"},  // a CA file that cannot be loaded (kInvalid)
  };
  for (const auto& args : cases) {
    ClientRun r = run_client(dir, args);
    EXPECT_EQ(r.status, 2) << args[args.size() - 1] << ": " << r.output;
    EXPECT_FALSE(r.output.empty());
  }
  // The reason is the one the parser gave (a kInvalid Status), on one line.
  ClientRun key = run_client(dir, cases[10]);
  EXPECT_NE(key.output.find("imsguard client call: --k must be 32 hex digits\n"), std::string::npos) << key.output;
  ClientRun url = run_client(dir, cases[9]);
  EXPECT_NE(url.output.find("imsguard client: --url must start with https://"), std::string::npos) << url.output;
}

// `client fetch` says whose fault a failure was: a CA file that cannot be loaded is the
// operator's input (2), a content server that cannot be reached is not (1).
TEST_F(ClientE2e, FetchExitStatusSaysWhoseFaultItWas) {
  std::string dir = make_temp_dir("imsguard-client-fetch");
  // A TCP port that accepts (the kernel completes connections in the backlog) but never answers.
  TcpListener listening;
  ASSERT_NE(listening.port(), 0);
  std::string url = "https://127.0.0.1:" + std::to_string(listening.port()) + "/content/content";

  ClientRun no_ca = run_client(dir, {"fetch", "--url", url, "--token", "abc.def", "--ca", dir + "/missing-ca.crt",
                                     "--timeout", "2"});
  EXPECT_EQ(no_ca.status, 2) << no_ca.output;
  EXPECT_NE(no_ca.output.find("cannot load the CA file " + dir + "/missing-ca.crt"), std::string::npos)
      << no_ca.output;

  listening.stop_listening();
  ClientRun refused = run_client(dir, {"fetch", "--url", url, "--token", "abc.def", "--ca", dir + "/missing-ca.crt",
                                       "--timeout", "2"});
  EXPECT_EQ(refused.status, 1) << refused.output;
  EXPECT_NE(refused.output.find("HTTPS to 127.0.0.1:" + std::to_string(listening.port()) + " failed"),
            std::string::npos)
      << refused.output;
}

TEST_F(ClientE2e, MessageThroughTheEdgeCarriesTheSendersAuthenticatedIdentity) {
  start();
  add_subscriber("carol", "carol-secret");
  // Carol stays registered over TCP; Alice sends over UDP with a forged P-Asserted-Identity.
  ChildProcess carol;
  std::string carol_log = dir_ + "/carol.log";
  ASSERT_TRUE(carol.start(client_argv({"register", "--server", server("tcp"), "--transport", "tcp", "--impi",
                                       "carol@ims.local", "--impu", "sip:carol@ims.local", "--password",
                                       "carol-secret", "--keep", "60"}),
                          carol_log));
  ASSERT_TRUE(eventually([&] { return read_file(carol_log).find("registered sip:carol") != std::string::npos; }, 30s))
      << read_file(carol_log);

  auto args = alice("udp", "message");
  args.insert(args.end(), {"--to", "sip:carol@ims.local", "--text", "hello carol", "--header",
                           "P-Asserted-Identity: <sip:bob@ims.local>"});
  ClientRun sent = run_client(dir_, args);
  ASSERT_EQ(sent.status, 0) << sent.output;
  EXPECT_NE(sent.output.find("MESSAGE sip:carol@ims.local: 200 OK"), std::string::npos) << sent.output;

  ASSERT_TRUE(eventually([&] { return read_file(carol_log).find("MESSAGE from") != std::string::npos; }, 10s));
  std::string seen = read_file(carol_log);
  EXPECT_NE(seen.find("MESSAGE from sip:alice@ims.local: hello carol\n"), std::string::npos) << seen;
  EXPECT_EQ(seen.find("bob"), std::string::npos) << seen;

  // OPTIONS to Carol is delivered over her flow and answered by her client.
  ClientRun options = run_client(dir_, [&] {
    auto a = alice("tcp", "options");
    a.insert(a.end(), {"--to", "sip:carol@ims.local"});
    return a;
  }());
  EXPECT_EQ(options.status, 0) << options.output;
  EXPECT_NE(options.output.find("OPTIONS sip:carol@ims.local: 200 OK"), std::string::npos) << options.output;

  // SIGTERM: Carol un-registers and exits cleanly; a MESSAGE to her then finds nobody.
  EXPECT_EQ(carol.stop(30s), 0) << read_file(carol_log);
  EXPECT_NE(read_file(carol_log).find("unregistered sip:carol@ims.local"), std::string::npos) << read_file(carol_log);
  auto again = alice("udp", "message");
  again.insert(again.end(), {"--to", "sip:carol@ims.local", "--text", "still there?"});
  ClientRun after = run_client(dir_, again);
  EXPECT_EQ(after.status, 1) << after.output;
  EXPECT_NE(after.output.find("MESSAGE sip:carol@ims.local: 480"), std::string::npos) << after.output;
}

TEST_F(ClientE2e, KeepRefreshesTheRegistrationAndUnregistersAtTheEnd) {
  start({.extra_yaml = "registrar:\n  min_expires_s: 2\n  max_expires_s: 3600\n  default_expires_s: 600\n"});
  auto args = alice("tcp");
  args.insert(args.end(), {"--expires", "2", "--keep", "5"});
  ClientRun r = run_client(dir_, args);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("registered sip:alice@ims.local"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("unregistered sip:alice@ims.local"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("refreshed 0 times"), std::string::npos) << r.output;
  // Initial registration, at least one refresh, and the un-registration were all accepted.
  EXPECT_EQ(edge_.stop(), 0);
  EXPECT_NE(edge_.log().find("imsguard_registrar_bindings_total{action=\"remove\"} 1"), std::string::npos)
      << edge_.log();
}

}  // namespace
