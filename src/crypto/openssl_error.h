#pragma once
// OpenSSL reports failures on a per-thread error queue; every module that calls it turns the
// oldest entry into text the same way, and clears the queue so a later call does not report
// a stale error.
#include <string>
#include <string_view>

namespace imsguard::crypto {

// "<what>: <OpenSSL's reason>", or just `what` when the queue is empty. Clears the queue.
std::string openssl_error(std::string_view what);

}  // namespace imsguard::crypto
