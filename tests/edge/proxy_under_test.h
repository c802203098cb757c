#pragma once
// edge::Proxy in P-CSCF mode without sockets, as the proxy's unit tests build it: a config
// listening on 192.0.2.10:5060 (each test sets the rest before build()), in-memory stores, a
// registrar, and a sender that records what the proxy sends and where. Shared by proxy_test
// and topology_hiding_test.
#include "../support/test_telemetry.h"
#include "edge/proxy.h"
#include "edge/registrar.h"
#include "store/memory_binding_store.h"
#include "store/memory_subscriber_store.h"

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace imsguard::edge {

// Records what the proxy sends, and where. (Named for these tests: a header shares its
// namespace with the product, and src/edge has a RecordingResponder of its own; two classes
// of one name would break the one-definition rule.)
class ProxyTestSender final : public net::FlowSender {
 public:
  bool send_to(const net::Flow& flow, std::string_view bytes) override {
    sent.emplace_back(flow, std::string(bytes));
    return true;
  }
  std::vector<std::pair<net::Flow, std::string>> sent;
};

// Records the answers sent back on the flow a request came on.
class ProxyTestResponder final : public net::Responder {
 public:
  void send(std::string_view bytes) override { sent.emplace_back(bytes); }
  std::vector<std::string> sent;
};

inline net::Flow udp(const std::string& address, uint16_t port) {
  net::Flow f;
  f.transport = config::Transport::kUdp;
  f.address = asio::ip::make_address(address);
  f.port = port;
  return f;
}

struct ProxyUnderTest {
  ProxyUnderTest() { config.sip.listen = {{config::Transport::kUdp, "192.0.2.10", 5060}}; }
  // The registrar and the proxy, on `config` as the test left it.
  void build() {
    registrar = std::make_unique<Registrar>(config, subscribers, bindings, RegistrarDeps{nullptr, &t.metrics, &t.events});
    proxy = std::make_unique<Proxy>(config, *registrar, ProxyDeps{&sender, nullptr, &t.metrics, &t.events});
  }

  test::Telemetry t;
  config::Config config;
  store::MemorySubscriberStore subscribers;
  store::MemoryBindingStore bindings;
  ProxyTestSender sender;
  std::unique_ptr<Registrar> registrar;
  std::unique_ptr<Proxy> proxy;
};

}  // namespace imsguard::edge
