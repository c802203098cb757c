// The Debian build of cpp-httplib is compiled with these: the header must agree with it.
#define CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_ZLIB_SUPPORT
#define CPPHTTPLIB_BROTLI_SUPPORT
#include "ops/admin_client.h"

#include <httplib.h>

#include <cctype>

namespace imsguard::ops {

AdminCall admin_request(const std::string& address, uint16_t port, const std::string& token, const std::string& method,
                        const std::string& path, const std::string& json_body) {
  AdminCall call;
  httplib::Client client(address, port);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(10, 0);
  client.set_write_timeout(10, 0);
  httplib::Headers headers{{"Authorization", "Bearer " + token}};
  httplib::Result r = method == "POST"     ? client.Post(path.c_str(), headers, json_body, "application/json")
                      : method == "DELETE" ? client.Delete(path.c_str(), headers)
                                           : client.Get(path.c_str(), headers);
  if (!r) {
    call.error = "no answer from the admin API at " + address + ":" + std::to_string(port) + " (" +
                 httplib::to_string(r.error()) + ")";
    return call;
  }
  call.reached = true;
  call.status = r->status;
  call.body = r->body;
  return call;
}

std::string percent_encode(const std::string& value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

}  // namespace imsguard::ops
