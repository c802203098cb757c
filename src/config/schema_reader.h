#pragma once
// The one reader of configuration files, driven by the schema (config/schema.h): it walks
// the YAML tree, finds each key's descriptor, parses the value by its kind, checks its range
// or values and writes it into the typed struct. Every error is collected (key path, line,
// hint) so an operator fixes a file in one pass. Internal to src/config; the rules between
// keys run after it (config.cpp).
#include "config/config.h"
#include "config/schema.h"

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

namespace imsguard::config {

// Reports a problem at `node` (its line when it has one).
void add_error(std::vector<ConfigError>& errors, const YAML::Node& node, std::string path, std::string message,
               std::string hint = {});

// Reads the mapping `node` into `config`: every key the file sets, through its descriptor;
// unknown and removed keys are errors. A key the file leaves out keeps its value in `config`
// (the struct's default).
void read_schema_keys(const YAML::Node& node, Config& config, std::vector<ConfigError>& errors);

// The node of the key `path` in `root` when the file sets it, else of its nearest section
// that the file has (for the line of a rule's error), else `root`.
YAML::Node node_at(const YAML::Node& root, std::string_view path);

}  // namespace imsguard::config
