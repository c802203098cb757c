#pragma once
// The effective configuration: every key of a loaded Config written back out, defaults filled
// in, derived from the schema (config/schema.h) like the reader, so the two cannot disagree on
// the key set. It serves `imsguard check-config --effective` (YAML for the operator), the
// admin API (effective_yaml.h), the test that the struct defaults equal config/imsguard.yaml,
// and SIGHUP, which compares two configurations key by key.
#include "config/config.h"

#include <string>
#include <utility>
#include <vector>

namespace imsguard::config {

// The configuration as YAML, in the order of config/imsguard.yaml (the schema's). Unless `with_secrets`,
// admin.token and a Redis password in `state` are replaced by kRedacted (config/effective_yaml.h;
// the token by a placeholder long enough to load back). config::effective_yaml(c) is this
// without secrets.
std::string effective_config_yaml(const Config& c, bool with_secrets);

// Every key as (path, value): nested mappings give dotted paths ("guards.flood.window_s"),
// a list is one key whose value is its flow-style YAML ("[a, b]", "[{...}]").
using FlatConfig = std::vector<std::pair<std::string, std::string>>;
FlatConfig flatten(const Config& c);

// The paths whose values differ between `a` and `b`, in file order.
std::vector<std::string> changed_keys(const Config& a, const Config& b);

}  // namespace imsguard::config
