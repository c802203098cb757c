#pragma once
// One problem found in a TVRA model or tables file. Every error names the file, the line and
// what to do about it, because a threat model is edited by hand and a bare "invalid model"
// would send the analyst hunting.
#include <string>
#include <vector>

namespace imsguard::tvra {

struct Diagnostic {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based; 0 when unknown
  std::string message;
  std::string hint;

  // "file:line:column: error: message (hint: ...)", the shape editors and CI logs link.
  std::string to_string() const;
};

using Diagnostics = std::vector<Diagnostic>;

}  // namespace imsguard::tvra
