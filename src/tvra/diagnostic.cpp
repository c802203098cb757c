#include "tvra/diagnostic.h"

namespace imsguard::tvra {

std::string Diagnostic::to_string() const {
  std::string out = file.empty() ? std::string("<model>") : file;
  if (line > 0) {
    out += ":" + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
  }
  out += ": error: " + message;
  if (!hint.empty()) out += " (hint: " + hint + ")";
  return out;
}

Status failed_load(Code code, const Diagnostics& errors) {
  if (errors.empty()) return {code, "the load failed"};
  std::string message = errors.front().to_string();
  if (errors.size() > 1) message += " (and " + std::to_string(errors.size() - 1) + " more)";
  return {code, std::move(message)};
}

}  // namespace imsguard::tvra
