#pragma once
// Reading a file the user named (a model, tables, a risk register, a configuration or token to
// audit with). One place tells "no such file" (the user's path is wrong: exit 2) from "the
// system could not read it" (exit 1), so every TVRA input fails the same way.
#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"
#include "tvra/diagnostic.h"

namespace imsguard::tvra {

// Models, tables, registers and configurations are kilobytes; a bigger input is a wrong path.
inline constexpr size_t kMaxInputBytes = 16u << 20;

// The whole file. kNotFound: no such file or directory; kInvalid: a directory or a file over
// kMaxInputBytes (an endless one such as /dev/zero included); kUnavailable:
// the system could not read it (permissions, I/O error). Message: "cannot read PATH: REASON".
StatusOr<std::string> read_input_file(const std::string& path);

// The Diagnostic for an input `read_input_file` refused: "PATH: error: cannot read the WHAT:
// REASON (hint: check the path)".
Diagnostic unreadable(const std::string& path, std::string_view what, const Status& why);

}  // namespace imsguard::tvra
