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

}  // namespace imsguard::net
