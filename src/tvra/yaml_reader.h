#pragma once
// Strict, exception-free access to a parsed YAML tree: typed reads that record a Diagnostic
// (with the node's line) instead of throwing, and unknown-key checks so a typo in a model
// ("factor:" for "factors:") is an error rather than a silently ignored field.
#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tvra/diagnostic.h"

namespace imsguard::tvra {

class YamlReader {
 public:
  YamlReader(std::string file, Diagnostics& out) : file_(std::move(file)), out_(out) {}

  const std::string& file() const { return file_; }
  void error(const YAML::Node& at, std::string message, std::string hint = {});
  static int line_of(const YAML::Node& node);

  // `node` must be a mapping whose keys are all in `known`; `what` names it in messages.
  bool mapping(const YAML::Node& node, std::string_view what, std::initializer_list<std::string_view> known);
  bool sequence(const YAML::Node& node, std::string_view what);

  // Scalar reads of map[key]. `required` missing -> error; wrong type -> error; nullopt on both.
  std::optional<std::string> string(const YAML::Node& map, std::string_view key, std::string_view what,
                                    bool required);
  std::optional<long> integer(const YAML::Node& map, std::string_view key, std::string_view what, bool required,
                              long min, long max);
  std::optional<bool> boolean(const YAML::Node& map, std::string_view key, std::string_view what, bool required);
  // A sequence of strings (a lone scalar is accepted as a one-element list).
  std::vector<std::string> strings(const YAML::Node& map, std::string_view key, std::string_view what,
                                   bool required);

 private:
  std::string file_;
  Diagnostics& out_;
};

// "a, b, c" for hints listing the accepted values.
std::string join_ids(const std::vector<std::string>& ids);

// Loads a YAML document, turning a syntax error into a Diagnostic. nullopt on failure.
std::optional<YAML::Node> parse_yaml(std::string_view text, const std::string& file, Diagnostics& out);

}  // namespace imsguard::tvra
