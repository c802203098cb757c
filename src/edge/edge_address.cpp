#include "edge/edge_address.h"

#include "net/address_text.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace imsguard::edge {

namespace {

// The source address the kernel would choose toward `to`; nullopt without a route.
std::optional<asio::ip::address> source_toward(const asio::ip::address& to) {
  // The last answer per thread: an edge on a wildcard listener sends one dialog's requests
  // to the same few addresses, and each lookup is three system calls.
  thread_local asio::ip::address last_to, last_from;
  if (!last_to.is_unspecified() && last_to == to) return last_from;
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (to.is_v4()) {
    auto* s = reinterpret_cast<sockaddr_in*>(&ss);
    s->sin_family = AF_INET;
    s->sin_port = htons(9);
    auto b = to.to_v4().to_bytes();
    std::memcpy(&s->sin_addr, b.data(), b.size());
    len = sizeof *s;
  } else {
    auto* s = reinterpret_cast<sockaddr_in6*>(&ss);
    s->sin6_family = AF_INET6;
    s->sin6_port = htons(9);
    auto b = to.to_v6().to_bytes();
    std::memcpy(&s->sin6_addr, b.data(), b.size());
    len = sizeof *s;
  }
  int fd = ::socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  std::optional<asio::ip::address> out;
  sockaddr_storage local{};
  socklen_t local_len = sizeof local;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0) {
    if (local.ss_family == AF_INET) {
      asio::ip::address_v4::bytes_type b;
      std::memcpy(b.data(), &reinterpret_cast<sockaddr_in*>(&local)->sin_addr, b.size());
      out = asio::ip::address_v4(b);
    } else if (local.ss_family == AF_INET6) {
      asio::ip::address_v6::bytes_type b;
      std::memcpy(b.data(), &reinterpret_cast<sockaddr_in6*>(&local)->sin6_addr, b.size());
      out = asio::ip::address_v6(b);
    }
  }
  ::close(fd);
  if (out) {
    last_to = to;
    last_from = *out;
  }
  return out;
}

}  // namespace

std::string edge_hostport(const config::Config& config, const net::Flow& hop) {
  const config::Listener* chosen = nullptr;
  for (const auto& l : config.sip.listen) {
    if (l.transport != hop.transport) continue;
    if (!chosen || (hop.local_port != 0 && l.port == hop.local_port)) chosen = &l;
  }
  uint16_t port = chosen ? chosen->port : (hop.local_port ? hop.local_port : 5060);
  if (chosen && chosen->port == 0 && hop.local_port != 0) port = hop.local_port;  // an ephemeral listener
  std::optional<asio::ip::address> host;
  if (!hop.local_address.is_unspecified()) {
    host = hop.local_address;
  } else if (chosen) {
    std::error_code ec;
    auto listen = asio::ip::make_address(chosen->address, ec);
    if (!ec && !listen.is_unspecified()) host = listen;
    else if (!ec && !hop.address.is_unspecified()) host = source_toward(hop.address);
  }
  if (!host) {
    std::string text = chosen ? chosen->address : std::string("127.0.0.1");
    if (text.find(':') != std::string::npos) text = "[" + text + "]";
    return text + ":" + std::to_string(port);
  }
  // An IPv4 peer on a dual-stack socket arrives as ::ffff:a.b.c.d: it reaches us at a.b.c.d.
  if (host->is_v6() && host->to_v6().is_v4_mapped())
    host = asio::ip::make_address_v4(asio::ip::v4_mapped, host->to_v6());
  char text[net::kAddressTextMax];
  size_t n = net::write_address(*host, text);
  std::string out;
  if (host->is_v6()) out.append("[").append(text, n).append("]");
  else out.append(text, n);
  return out + ":" + std::to_string(port);
}

}  // namespace imsguard::edge
