#include "driver/staging.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "base/fileio.h"

namespace ward::driver {
namespace fs = std::filesystem;

namespace {

std::string dirOf(const std::string& path) {
  fs::path p(path);
  return p.has_parent_path() ? p.parent_path().string() : std::string(".");
}

// `path` is a regular file of mode 0644 that holds exactly `content` (what stage() would write).
bool alreadyThere(const std::string& path, std::string_view content) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 07777) != 0644 ||
      static_cast<std::size_t>(st.st_size) != content.size())
    return false;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return false;
  std::string buf(64 * 1024, '\0');
  std::size_t at = 0;
  bool same = true;
  while (same) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      same = n == 0 && at == content.size();
      break;
    }
    const auto got = static_cast<std::size_t>(n);
    same = at + got <= content.size() && content.compare(at, got, buf.data(), got) == 0;
    at += got;
  }
  ::close(fd);
  return same;
}

}  // namespace

Stager::Stager(std::string outDir) : outDir_(std::move(outDir)) {}

Stager::~Stager() {
  if (!finished_) abort();
}

std::string Stager::stage(const std::string& path, std::string_view content) {
  if (!dirChecked_) {
    dirChecked_ = true;
    std::error_code ec;
    if (!fs::exists(outDir_, ec)) {
      fs::create_directories(outDir_, ec);
      if (ec) return "cannot create '" + outDir_ + "': " + ec.message();
      createdDir_ = true;
    }
  }
  // A file that already holds these bytes stays as it is: no new inode, and its mtime tells make and CMake
  // that nothing changed (a recompile of an unchanged policy rewrites nothing).
  if (!createdDir_ && alreadyThere(path, content)) {
    ++unchanged_;
    return {};
  }
  const fs::path p(path);
  std::string tmpl = (fs::path(dirOf(path)) / ("." + p.filename().string() + ".ward-staging-XXXXXX")).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  const int fd = mkstemp(buf.data());
  if (fd < 0) return "cannot create a temporary file in '" + dirOf(path) + "': " + std::strerror(errno);
  std::string tmp(buf.data());
  files_.push_back({tmp, path});
  if (std::string err = writeClose(fd, content, 0644, false); !err.empty()) return err + " ('" + tmp + "')";
  return {};
}

std::string Stager::commit() {
  std::set<std::string> dirs;
  for (const auto& f : files_) dirs.insert(dirOf(f.path));
  for (const auto& d : dirs) {   // one flush per directory's file system instead of one fsync per file
    const int fd = ::open(d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || ::syncfs(fd) != 0) {
      std::string err = "cannot flush '" + d + "': " + std::strerror(errno);
      if (fd >= 0) ::close(fd);
      return err;
    }
    ::close(fd);
  }
  for (std::size_t i = 0; i < files_.size(); ++i) {
    if (::rename(files_[i].tmp.c_str(), files_[i].path.c_str()) == 0) continue;
    std::string err = "cannot rename '" + files_[i].tmp + "' to '" + files_[i].path + "': " + std::strerror(errno);
    files_.erase(files_.begin(), files_.begin() + static_cast<std::ptrdiff_t>(i));   // those are in place
    createdDir_ = false;
    return err;   // the destructor removes the rest
  }
  finished_ = true;
  for (const auto& d : dirs) {   // the renames themselves
    const int fd = ::open(d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
  }
  files_.clear();
  return {};
}

void Stager::abort() {
  for (const auto& f : files_) ::unlink(f.tmp.c_str());
  files_.clear();
  finished_ = true;
  if (createdDir_) {
    std::error_code ec;
    fs::remove(outDir_, ec);   // only when empty
  }
}

}  // namespace ward::driver
