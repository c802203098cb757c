#include "edge/received_from.h"

#include <arpa/inet.h>

namespace imsguard::edge {

sip::ReceivedFrom received_from(const net::Flow& flow) {
  char text[INET6_ADDRSTRLEN] = {};
  asio::ip::address address = flow.address;
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  bool ok = false;
  if (address.is_v4()) {
    auto bytes = address.to_v4().to_bytes();
    ok = inet_ntop(AF_INET, bytes.data(), text, sizeof text) != nullptr;
  } else {
    auto bytes = address.to_v6().to_bytes();
    ok = inet_ntop(AF_INET6, bytes.data(), text, sizeof text) != nullptr;
  }
  return ok ? sip::ReceivedFrom(text, flow.port) : sip::ReceivedFrom();
}

}  // namespace imsguard::edge
