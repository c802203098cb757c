// imsguard: one binary, several roles. Each subcommand lives in its own cmd_*.cpp.
#include "cli/command.h"

#include <malloc.h>

#include <csignal>
#include <cstdio>
#include <ctime>

namespace imsguard::cli {

std::vector<CommandInstaller>& command_installers() {
  static std::vector<CommandInstaller> installers;
  return installers;
}

std::vector<CommandInstaller>& client_command_installers() {
  static std::vector<CommandInstaller> installers;
  return installers;
}

int& exit_status() {
  static int status = 0;
  return status;
}

int exit_status_for(Code code) {
  switch (code) {
    case Code::kOk: return 0;
    case Code::kInvalid:
    case Code::kNotFound:
    case Code::kConflict: return 2;
    case Code::kUnavailable:
    case Code::kInternal: return 1;
  }
  return 1;
}

sigset_t block_stop_signals() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  return stop_signals;
}

void wait_for_stop(const sigset_t& stop_signals, unsigned duration_s) {
  if (duration_s > 0) {
    timespec timeout{static_cast<time_t>(duration_s), 0};
    sigtimedwait(&stop_signals, nullptr, &timeout);
  } else {
    int sig = 0;
    sigwait(&stop_signals, &sig);
  }
}

}  // namespace imsguard::cli

int main(int argc, char** argv) {
  // A peer that closes a socket (a client, Redis, the S-CSCF) must cost an error return on
  // the write, never the process: hiredis and OpenSSL write with write(2), not MSG_NOSIGNAL.
  std::signal(SIGPIPE, SIG_IGN);
  // glibc gives the free top of each thread's heap back to the kernel as soon as it passes
  // 128 KiB, and the next burst grows it again: under load a worker shrank and regrew its
  // heap continuously (mprotect, madvise, page faults: 10 % of its time in sysmalloc). A
  // server's working set is steady, so keep up to 64 MiB of free top per heap.
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_TOP_PAD, 4 << 20);
  CLI::App app{"imsguard: security for IMS networks (I-C, I-S, C-S interfaces)", "imsguard"};
  app.require_subcommand(1);
  app.set_version_flag("--version", IMSGUARD_VERSION);
  for (auto& install : imsguard::cli::command_installers()) install(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    // CLI11 returns 0 for --help/--version; usage errors become 2 like every bad input.
    return rc == 0 ? 0 : 2;
  }
  return imsguard::cli::exit_status();
}
