#include "common/status.h"

namespace imsguard {

std::string_view code_name(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kInvalid: return "invalid";
    case Code::kNotFound: return "not found";
    case Code::kConflict: return "conflict";
    case Code::kUnavailable: return "unavailable";
    case Code::kInternal: return "internal";
  }
  return "unknown";
}

std::string Status::to_string() const {
  if (ok()) return "ok";
  std::string out(code_name(code_));
  if (!message_.empty()) out += ": " + message_;
  return out;
}

}  // namespace imsguard
