#pragma once
// What a report was computed from, so that an architect can tell two reports apart and
// reproduce one: the tool version, the SHA-256 of every input (tables, model, configuration,
// risk register), and which table values are still to be confirmed against the standard.
#include <string>
#include <string_view>
#include <vector>

#include "tvra/tables.h"

namespace imsguard::tvra {

struct InputFile {
  std::string role;    // tables | model | config | risks
  std::string origin;  // path, URL, or "<embedded ...>"
  std::string sha256;  // of the exact bytes read
};

struct Provenance {
  std::string tool = "imsguard";
  std::string version = "unknown";
  std::vector<InputFile> inputs;
  void add(std::string role, std::string origin, std::string_view bytes);
};

std::string sha256_hex(std::string_view bytes);

// "likelihood: <status>" for every table whose status says "to confirm".
std::vector<std::string> unconfirmed_tables(const Tables& tables);

}  // namespace imsguard::tvra
