#pragma once
// The stores' results are the project's Status/StatusOr (common/status.h): stores are called
// from the edge's hot path and from the CLI, and a Redis or SQLite backend can fail at any
// call, so every call site sees the failure and its reason code instead of an exception
// crossing the module boundary. The store names stay as aliases for the code written
// against them; StoreErrc is the shared Code (kNotFound, kConflict, kInvalid, kUnavailable).
#include "common/status.h"

#include <string>
#include <utility>

namespace imsguard::store {

using StoreErrc = imsguard::Code;
using StoreError = imsguard::Status;
template <typename T>
using StoreResult = imsguard::StatusOr<T>;

inline Status not_found(std::string message) { return not_found_error(std::move(message)); }
inline Status conflict(std::string message) { return conflict_error(std::move(message)); }
inline Status invalid(std::string message) { return invalid_argument(std::move(message)); }
inline Status unavailable(std::string message) { return unavailable_error(std::move(message)); }

}  // namespace imsguard::store
