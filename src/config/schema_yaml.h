#pragma once
// A key's value as a YAML node, for the writers derived from the schema (the effective
// configuration, flow-style value text). Internal to src/config.
#include "config/schema.h"

#include <yaml-cpp/yaml.h>

namespace imsguard::config {

// The value of `key` in `root` (a Config, or one item of a list key); lists in flow style.
YAML::Node value_node(const KeyDescriptor& key, const void* root);

}  // namespace imsguard::config
