#pragma once
// Reads the shared RFC 4475 messages byte-exact (they contain NUL and bare CR/LF octets).
#include <fstream>
#include <sstream>
#include <string>

namespace imsguard::sip::testing {

inline std::string rfc4475_dir() { return std::string(IMSGUARD_TESTDATA) + "/rfc4475"; }

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string torture(const std::string& name) {
  return read_file(rfc4475_dir() + "/" + name + ".dat");
}

}  // namespace imsguard::sip::testing
