#include "net/address_text.h"

#include <arpa/inet.h>

#include <string>

namespace imsguard::net {

size_t write_address(const asio::ip::address& address, char (&out)[kAddressTextMax]) {
  if (address.is_v4()) {
    auto bytes = address.to_v4().to_bytes();
    size_t n = 0;
    for (size_t i = 0; i < bytes.size(); ++i) {
      if (i > 0) out[n++] = '.';
      unsigned v = bytes[i];
      if (v >= 100) out[n++] = static_cast<char>('0' + v / 100);
      if (v >= 10) out[n++] = static_cast<char>('0' + v / 10 % 10);
      out[n++] = static_cast<char>('0' + v % 10);
    }
    out[n] = '\0';
    return n;
  }
  auto bytes = address.to_v6().to_bytes();  // the scope id is not part of the text
  if (inet_ntop(AF_INET6, bytes.data(), out, kAddressTextMax) == nullptr) {
    out[0] = '\0';
    return 0;
  }
  return std::char_traits<char>::length(out);
}

std::optional<asio::ip::address> parse_ip_literal(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  // make_address reads a C string: a NUL or a space inside would end it early and let a
  // longer text pass as the address before it.
  for (char c : host)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '.' || c == ':'))
      return std::nullopt;
  std::error_code ec;
  auto address = asio::ip::make_address(std::string(host), ec);
  if (ec) return std::nullopt;
  return address;
}

}  // namespace imsguard::net
