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

}  // namespace imsguard::tvra
