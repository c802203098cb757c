#pragma once
// The effective configuration of a running process as YAML, every key with the value in force
// (defaults filled in), in the schema of config/imsguard.yaml so that config::load_string reads
// it back. Served by the admin API (GET /api/v1/config/effective) for `imsguard audit --live`.
// Secrets never leave: admin.token and a Redis password are replaced by a placeholder.
#include <string>

#include "config/config.h"

namespace imsguard::config {

inline constexpr const char* kRedacted = "(redacted)";

std::string effective_yaml(const Config& config);

}  // namespace imsguard::config
