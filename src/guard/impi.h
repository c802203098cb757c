#pragma once
// The private identity a request claims, as the per-IMPI guards (rate limit, lockout, HSS
// protection) key it: the identity read once with the request's credentials
// (crypto::RequestCredentials::impi, put on the Context by the edge), so the guards and the
// authenticator can never count two different names for one request (issue 17 F1). Without
// credentials on the Context (a guard used outside the edge) it is the To user@host.
#include "guard/guard.h"
#include "sip/message.h"

#include <string>
#include <string_view>

namespace imsguard::guard {

// Lowercased user@host; empty when the request names nobody. A view of the Context's
// credentials, or of `storage` when it has none.
std::string_view claimed_impi(const Context& ctx, const sip::Message& msg, std::string& storage);
// The key of an identity in the per-IMPI tables (case-insensitive).
uint64_t impi_hash(std::string_view impi);

}  // namespace imsguard::guard
