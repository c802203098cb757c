#pragma once
// One problem found in a TVRA model or tables file. Every error names the file, the line and
// what to do about it, because a threat model is edited by hand and a bare "invalid model"
// would send the analyst hunting.
#include <string>
#include <vector>

#include "common/status.h"

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

// The Status of a load that failed with `errors`: `code` says whose fault it is (kInvalid: the
// file's content; kNotFound/kUnavailable: it could not be read; kInternal: a copy compiled
// into the binary is broken), the message is the first error ("... (and 2 more)").
Status failed_load(Code code, const Diagnostics& errors);

}  // namespace imsguard::tvra
