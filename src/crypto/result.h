#pragma once
// The crypto module's error channel: a value or a message saying what was wrong with the
// input. No exceptions cross the module boundary (working rules), and callers log `error`.
#include <optional>
#include <string>
#include <utility>

namespace imsguard::crypto {

template <class T>
struct Result {
  std::optional<T> value;
  std::string error;  // set when !value

  bool ok() const { return value.has_value(); }
  static Result success(T v) { return Result{std::move(v), {}}; }
  static Result failure(std::string message) { return Result{std::nullopt, std::move(message)}; }
};

}  // namespace imsguard::crypto
