#include "edge/received_from.h"

#include "net/address_text.h"

namespace imsguard::edge {

// ReceivedFrom (sip, which does not see net) keeps the text inline: it must hold the longest.
static_assert(net::kAddressTextMax - 1 <= sip::ReceivedFrom::kMaxAddress);

sip::ReceivedFrom received_from(const net::Flow& flow) {
  char text[net::kAddressTextMax];
  asio::ip::address address = flow.address;
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  return net::write_address(address, text) > 0 ? sip::ReceivedFrom(text, flow.port) : sip::ReceivedFrom();
}

}  // namespace imsguard::edge
