// libFuzzer target for the configuration loader on text (config::load_string): a config file
// comes from an operator, but also from a reload (SIGHUP) of a file that may be half written,
// and a bad one must be refused with errors, never crash or hang the process. A refusal names
// at least one problem; an accepted config carries no error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace imsguard::config;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  LoadResult r = load_string(text, "<fuzz>");
  if (r.ok() == !r.errors.empty()) std::abort();  // exactly one of the two
  for (const ConfigError& e : r.errors) {
    if (e.message.empty() || e.line < 0) std::abort();
    (void)e.to_string();
  }
  return 0;
}
