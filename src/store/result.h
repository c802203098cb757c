#pragma once
// StoreResult<T>: the value of a store operation or why it failed. Stores are called from
// the edge's hot path and from the CLI, and a Redis or SQLite backend can fail at any call;
// results make that failure explicit at every call site instead of an exception crossing
// the module boundary.
#include <optional>
#include <string>
#include <utility>

namespace imsguard::store {

// Why an operation failed, so callers can choose a status without parsing messages.
enum class StoreErrc {
  kNotFound,     // the IMPI / AoR named by the call does not exist
  kConflict,     // an IMPI or IMPU already exists
  kInvalid,      // the record or argument is malformed (caller's fault)
  kUnavailable,  // the backend failed (I/O, corruption, Redis down): retry or refuse
};

struct StoreError {
  StoreErrc code = StoreErrc::kUnavailable;
  std::string message;
};

template <typename T>
class [[nodiscard]] StoreResult {
 public:
  StoreResult(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  StoreResult(StoreError error) : error_(std::move(error)) {}  // NOLINT

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }

  // Only valid when ok().
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

  // Only meaningful when !ok().
  const StoreError& error() const { return error_; }
  StoreErrc code() const { return error_.code; }
  const std::string& message() const { return error_.message; }

 private:
  std::optional<T> value_;
  StoreError error_;
};

template <>
class [[nodiscard]] StoreResult<void> {
 public:
  StoreResult() = default;
  StoreResult(StoreError error) : ok_(false), error_(std::move(error)) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const StoreError& error() const { return error_; }
  StoreErrc code() const { return error_.code; }
  const std::string& message() const { return error_.message; }

 private:
  bool ok_ = true;
  StoreError error_;
};

inline StoreError not_found(std::string message) { return {StoreErrc::kNotFound, std::move(message)}; }
inline StoreError conflict(std::string message) { return {StoreErrc::kConflict, std::move(message)}; }
inline StoreError invalid(std::string message) { return {StoreErrc::kInvalid, std::move(message)}; }
inline StoreError unavailable(std::string message) {
  return {StoreErrc::kUnavailable, std::move(message)};
}

}  // namespace imsguard::store
