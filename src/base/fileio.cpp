#include "base/fileio.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ward {

std::string writeClose(int fd, std::string_view content, unsigned mode, bool sync) {
  auto fail = [&](const char* what) {
    std::string m = std::string(what) + ": " + std::strerror(errno);
    ::close(fd);
    return m;
  };
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("cannot write");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) return fail("cannot chmod");
  if (sync && ::fsync(fd) != 0) return fail("cannot fsync");
  if (::close(fd) != 0) return std::string("cannot close: ") + std::strerror(errno);
  return {};
}

std::string writeSyncClose(int fd, std::string_view content, unsigned mode) { return writeClose(fd, content, mode, true); }

}  // namespace ward
