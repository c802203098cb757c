#include "net/flow.h"

#include "net/address_text.h"

namespace imsguard::net {

std::string Flow::source() const {
  char host[kAddressTextMax];
  size_t length = write_address(address, host);
  std::string out;
  out.reserve(length + 8);
  if (address.is_v6()) out += '[';
  out.append(host, length);
  if (address.is_v6()) out += ']';
  out += ':';
  out += std::to_string(port);
  return out;
}

std::string Flow::to_string() const {
  std::string out(config::transport_name(transport));
  out += ":" + source();
  if (connection_id != 0) out += "#" + std::to_string(connection_id);
  return out;
}

}  // namespace imsguard::net
