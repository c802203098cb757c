#pragma once
// Test support: runs the built `imsguard` with arguments (a CLI command against a running
// edge, a provisioning step) and returns its exit status and what it printed (stdout and
// stderr together). IMSGUARD_BIN must be defined by the test target.
#include "process.h"

#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

namespace imsguard::testkit {

struct CliRun {
  int status = -1;
  std::string output;
};

inline CliRun run_imsguard(const std::string& log_dir, const std::vector<std::string>& args) {
  static int n = 0;
  std::string log = log_dir + "/cli-" + std::to_string(::getpid()) + "-" + std::to_string(++n) + ".log";
  std::vector<std::string> argv = {IMSGUARD_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess p;
  CliRun r;
  if (!p.start(argv, log)) return r;
  r.status = p.wait(std::chrono::seconds(60));
  if (r.status == -2) r.status = p.stop();
  r.output = read_file(log);
  return r;
}

}  // namespace imsguard::testkit
