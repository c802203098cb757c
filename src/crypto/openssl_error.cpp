#include "crypto/openssl_error.h"

#include <openssl/err.h>

namespace imsguard::crypto {

std::string openssl_error(std::string_view what) {
  std::string out(what);
  if (unsigned long code = ERR_get_error(); code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    out += ": ";
    out += buf;
  }
  ERR_clear_error();
  return out;
}

}  // namespace imsguard::crypto
