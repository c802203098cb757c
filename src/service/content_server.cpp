// The same feature macros as the Debian build of libcpp-httplib (its pkg-config Cflags), so
// the declarations match the compiled library we link.
#define CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_ZLIB_SUPPORT
#define CPPHTTPLIB_BROTLI_SUPPORT
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wcast-align"
#include <httplib.h>
#pragma GCC diagnostic pop

#include "service/content_server.h"

#include <chrono>

#include "net/tls_context.h"
#include "ops/episodes.h"
#include "ops/events.h"

namespace imsguard::service {

ContentServer::ContentServer(const ServiceCatalog& catalog, Es256Key core_cert_key, SubscriberActive active,
                             ops::EventSink& events)
    : catalog_(catalog), key_(std::move(core_cert_key)), active_(std::move(active)), events_(events) {}

ContentServer::~ContentServer() { stop(); }

std::pair<int, std::string> ContentServer::fetch(std::string_view service, std::string_view authorization) const {
  const ServiceEntry* entry = catalog_.find(service);
  if (!entry || !entry->is_content()) return {404, "no such content service\n"};
  constexpr std::string_view kBearer = "Bearer ";
  std::string_view token;
  if (authorization.size() > kBearer.size() && authorization.substr(0, kBearer.size()) == kBearer)
    token = authorization.substr(kBearer.size());
  int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto check = content_token_verify(key_, token, service, now, active_);
  if (check.status != 0) {
    ops::emit_episode(events_, {"content", "https", check.claims ? check.claims->subscriber : "", "reject", check.error},
                      check.error);
    return {check.status, check.error + "\n"};
  }
  return {200, "content of service " + std::string(service) + " for " + check.claims->subscriber + "\n"};
}

Status ContentServer::start(const ContentServerOptions& options) {
  auto server = std::make_unique<httplib::SSLServer>(options.cert.c_str(), options.key.c_str());
  if (!server->is_valid())
    return invalid_argument("content server: cannot load certificate " + options.cert + " / key " + options.key);
  // httplib's own cipher list admits CBC suites (LUCKY13): the same AEAD-only policy as SIP over TLS.
  if (Status s = net::apply_tls_policy(server->ssl_context(), "1.2"); !s.ok())
    return {s.code(), "content server: " + s.message()};
  server->Get(R"(/content/([A-Za-z0-9_-]+))", [this](const httplib::Request& req, httplib::Response& res) {
    auto [status, body] = fetch(req.matches[1].str(), req.get_header_value("Authorization"));
    res.status = status;
    if (status == 401) res.set_header("WWW-Authenticate", "Bearer realm=\"imsguard-content\"");
    res.set_content(body, "text/plain");
  });
  int port = options.port == 0 ? server->bind_to_any_port(options.address)
                               : (server->bind_to_port(options.address, options.port) ? options.port : -1);
  if (port <= 0)
    return unavailable_error("content server: cannot bind " + options.address + ":" + std::to_string(options.port));
  port_ = static_cast<uint16_t>(port);
  server_ = std::move(server);
  thread_ = std::thread([s = server_.get()] { s->listen_after_bind(); });
  // httplib's stop() does nothing until the listen loop has begun: a stop() right after start()
  // would leave the loop running and stop()'s join waiting forever. The loop begins at once;
  // the wait is bounded all the same.
  for (int i = 0; i < 5000 && !server_->is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return {};
}

void ContentServer::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

}  // namespace imsguard::service
