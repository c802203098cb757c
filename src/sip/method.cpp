#include "sip/method.h"

#include <array>

namespace imsguard::sip {
namespace {
constexpr std::array<std::string_view, 15> kMethodNames = {
    "",       "INVITE", "ACK",    "BYE",       "CANCEL", "REGISTER", "OPTIONS", "MESSAGE",
    "INFO",   "PRACK",  "UPDATE", "SUBSCRIBE", "NOTIFY", "REFER",    "PUBLISH"};
}  // namespace

Method parse_method(std::string_view name) {
  for (size_t i = 1; i < kMethodNames.size(); ++i) {
    if (kMethodNames[i] == name) return static_cast<Method>(i);
  }
  return Method::kUnknown;
}

std::string_view method_name(Method m) {
  size_t i = static_cast<size_t>(m);
  return i < kMethodNames.size() ? kMethodNames[i] : std::string_view{};
}

}  // namespace imsguard::sip
