#pragma once
// Where a configuration key is written: `sip.listen[1].address` -> line 23 of the file. The
// audit's SARIF points CI at the line to change; a key left at its default is reported at the
// nearest section the file does write (or line 1), marked as not exact.
#include <string>

namespace imsguard::tvra {

struct KeyLocation {
  int line = 1;        // 1-based
  bool exact = false;  // the key itself is written in the text
};

KeyLocation locate_key(const std::string& yaml_text, const std::string& key);

}  // namespace imsguard::tvra
