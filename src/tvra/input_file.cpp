#include "tvra/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace imsguard::tvra {

namespace {

Status file_error(const std::string& path, int err) {
  std::string message = "cannot read " + path + ": " + std::strerror(err);
  switch (err) {
    case ENOENT:
    case ENOTDIR:
    case ENAMETOOLONG:
    case ELOOP: return not_found_error(std::move(message));
    case EISDIR: return invalid_argument(std::move(message));
    default: return unavailable_error(std::move(message));
  }
}

}  // namespace

StatusOr<std::string> read_input_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return file_error(path, errno);
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return file_error(path, EISDIR);
  }
  std::string out;
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
      if (out.size() > kMaxInputBytes) {  // /dev/zero or a wrong path: refused, not read to the end
        ::close(fd);
        return invalid_argument("cannot read " + path + ": larger than " + std::to_string(kMaxInputBytes >> 20) +
                                " MiB (not a TVRA input)");
      }
      continue;
    }
    if (n == 0) break;
    if (errno == EINTR) continue;
    int err = errno;
    ::close(fd);
    return file_error(path, err);
  }
  ::close(fd);
  return out;
}

Diagnostic unreadable(const std::string& path, std::string_view what, const Status& why) {
  // The reason is what follows the path in read_input_file's message.
  const std::string& m = why.message();
  std::string prefix = "cannot read " + path + ": ";
  std::string reason = m.rfind(prefix, 0) == 0 ? m.substr(prefix.size()) : m;
  return {path, 0, 0, "cannot read the " + std::string(what) + ": " + reason, "check the path"};
}

}  // namespace imsguard::tvra
