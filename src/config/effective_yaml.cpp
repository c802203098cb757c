#include "config/effective_yaml.h"

#include "config/effective.h"

namespace imsguard::config {

// One writer of the effective configuration (config/effective.cpp) serves the admin API, the
// CLI (check-config --effective), the defaults test and SIGHUP's key-by-key comparison.
std::string effective_yaml(const Config& config) { return effective_config_yaml(config, false); }

}  // namespace imsguard::config
