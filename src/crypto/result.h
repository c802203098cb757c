#pragma once
// The crypto module's results are the project's StatusOr (common/status.h): a value, or a
// kInvalid status whose message says what was wrong with the input (kInternal when OpenSSL
// failed). No exceptions cross the module boundary (working rules); callers log the message.
#include "common/status.h"

namespace imsguard::crypto {

template <class T>
using Result = imsguard::StatusOr<T>;

}  // namespace imsguard::crypto
