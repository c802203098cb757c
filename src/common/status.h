#pragma once
// The project's one error type across module boundaries: Status (ok, or a reason code and a
// message) and StatusOr<T> (a value, or the Status saying why there is none). No exception
// crosses a module boundary; a caller that must decide (retry, refuse, answer 404 or 503)
// switches on the code, and one that only reports prints the message. Modules keep their
// own names for it where older code calls them so (store::StoreResult is StatusOr), but
// there is one type underneath: an error passes from a store through the edge unchanged.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace imsguard {

// Why an operation failed: what callers decide on. Add a code only when some caller
// handles it differently from the others.
enum class Code : uint8_t {
  kOk = 0,
  kInvalid,      // the input or record is malformed (the caller's fault; retrying will not help)
  kNotFound,     // what the call names does not exist
  kConflict,     // it exists already
  kUnavailable,  // a backend or resource failed (I/O, Redis down, no randomness): retry or refuse
  kInternal,     // a broken invariant or library failure (OpenSSL said no)
};

std::string_view code_name(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == Code::kOk; }
  explicit operator bool() const { return ok(); }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "unavailable: redis: connection refused"
  std::string to_string() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status invalid_argument(std::string message) { return {Code::kInvalid, std::move(message)}; }
inline Status not_found_error(std::string message) { return {Code::kNotFound, std::move(message)}; }
inline Status conflict_error(std::string message) { return {Code::kConflict, std::move(message)}; }
inline Status unavailable_error(std::string message) { return {Code::kUnavailable, std::move(message)}; }
inline Status internal_error(std::string message) { return {Code::kInternal, std::move(message)}; }

template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)) {}        // NOLINT: implicit by design
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT
    if (status_.ok()) status_ = Status(Code::kInternal, "StatusOr made from an ok Status without a value");
  }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }

  // Only valid when ok().
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

  // Only meaningful when !ok().
  const Status& status() const { return status_; }
  const Status& error() const { return status_; }
  Code code() const { return status_.code(); }
  const std::string& message() const { return status_.message(); }

 private:
  std::optional<T> value_;
  Status status_;
};

// An operation with nothing to return but its outcome.
template <>
class [[nodiscard]] StatusOr<void> {
 public:
  StatusOr() = default;
  StatusOr(Status status) : status_(std::move(status)) {}  // NOLINT

  bool ok() const { return status_.ok(); }
  explicit operator bool() const { return ok(); }
  const Status& status() const { return status_; }
  const Status& error() const { return status_; }
  Code code() const { return status_.code(); }
  const std::string& message() const { return status_.message(); }

 private:
  Status status_;
};

}  // namespace imsguard
