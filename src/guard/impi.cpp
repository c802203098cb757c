#include "guard/impi.h"

#include "crypto/credentials.h"
#include "guard/source.h"

namespace imsguard::guard {

uint64_t impi_hash(std::string_view impi) { return hash_text_ci(impi, 0x1a91); }

std::string_view claimed_impi(const Context& ctx, const sip::Message& msg, std::string& storage) {
  if (ctx.credentials) return ctx.credentials->impi;
  storage = crypto::to_impi(msg);
  return storage;
}

}  // namespace imsguard::guard
