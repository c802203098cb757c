#include "net/flow.h"

namespace imsguard::net {

std::string Flow::source() const {
  std::string host = address.to_string();
  if (address.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(port);
}

std::string Flow::to_string() const {
  std::string out(config::transport_name(transport));
  out += ":" + source();
  if (connection_id != 0) out += "#" + std::to_string(connection_id);
  return out;
}

}  // namespace imsguard::net
