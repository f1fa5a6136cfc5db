#include "hook/fsutil.h"

#include "base/fileio.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <sys/random.h>

namespace ward::hook::fsx {

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

uid_t effectiveUid() { return ::geteuid(); }

bool safeName(std::string_view name) {
  if (name.empty() || name == "." || name == "..") return false;
  return name.find('/') == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

namespace {

std::string err(const std::string& what, const std::string& path) {
  return what + " '" + path + "': " + std::strerror(errno);
}

std::string checkOwned(int fd, const std::string& shown) {
  struct stat st{};
  if (::fstat(fd, &st) != 0) return err("cannot stat", shown);
  if (!S_ISDIR(st.st_mode)) return "'" + shown + "' is not a directory";
  if (st.st_uid != effectiveUid())
    return "'" + shown + "' is owned by uid " + std::to_string(st.st_uid) + ", not by uid " +
           std::to_string(effectiveUid()) + " (ward keeps its state in a directory only it owns)";
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return "'" + shown + "' is writable by group or others (mode " + std::to_string((st.st_mode >> 6) & 7) +
           std::to_string((st.st_mode >> 3) & 7) + std::to_string(st.st_mode & 7) + "); ward needs it 0700";
  return {};
}

std::string tempName(const std::string& name) {
  const char* hex = "0123456789abcdef";
  std::string s = "." + name + ".tmp";
  std::uint64_t v = 0;
  if (::getrandom(&v, sizeof v, 0) != static_cast<ssize_t>(sizeof v))
    v = static_cast<std::uint64_t>(::getpid()) * 0x9e3779b97f4a7c15ull ^ static_cast<std::uint64_t>(::time(nullptr));
  for (int i = 0; i < 12; ++i) s.push_back(hex[(v >> (i * 4)) & 15]);
  return s;
}

}  // namespace

Fd openSubdir(int dirfd, const std::string& name, bool create, std::string& error, mode_t mode) {
  if (!safeName(name)) {
    error = "invalid directory name '" + name + "'";
    return {};
  }
  bool created = false;
  int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && create) {
    if (::mkdirat(dirfd, name.c_str(), mode) != 0 && errno != EEXIST) {
      error = err("cannot create directory", name);
      return {};
    }
    created = true;
    fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  }
  if (fd < 0) {
    error = errno == ELOOP || errno == ENOTDIR ? "'" + name + "' is a symbolic link or not a directory (not followed)"
                                               : err("cannot open directory", name);
    return {};
  }
  Fd out(fd);
  if (created) ::fchmod(fd, mode);  // umask may have narrowed it; never widen beyond `mode`
  std::string e = checkOwned(fd, name);
  if (!e.empty()) {
    error = e;
    return {};
  }
  return out;
}

Fd openDir(const std::string& path, bool create, std::string& error, mode_t mode) {
  if (path.empty() || path.front() != '/') {
    error = "'" + path + "' is not an absolute path";
    return {};
  }
  Fd cur(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cur.valid()) {
    error = err("cannot open", "/");
    return {};
  }
  std::vector<std::string> parts;
  std::size_t pos = 1;
  while (pos <= path.size()) {
    std::size_t slash = path.find('/', pos);
    std::string part = path.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos);
    if (!part.empty() && part != ".") parts.push_back(part);
    if (slash == std::string::npos) break;
    pos = slash + 1;
  }
  std::string shown;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    shown += "/" + part;
    if (part == "..") {
      error = "'" + path + "' contains '..'";
      return {};
    }
    bool last = i + 1 == parts.size();
    int fd = ::openat(cur.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    bool created = false;
    if (fd < 0 && errno == ENOENT && create) {
      if (::mkdirat(cur.get(), part.c_str(), mode) != 0 && errno != EEXIST) {
        error = err("cannot create directory", shown);
        return {};
      }
      created = true;
      fd = ::openat(cur.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0) {
      error = errno == ELOOP || errno == ENOTDIR
                  ? "'" + shown + "' is a symbolic link or not a directory (ward does not follow symlinks here)"
                  : err("cannot open directory", shown);
      return {};
    }
    cur = Fd(fd);
    if (created) ::fchmod(fd, mode);
    if (created || last) {
      std::string e = checkOwned(fd, shown);
      if (!e.empty()) {
        error = e;
        return {};
      }
    }
  }
  return cur;
}

std::optional<std::string> readAt(int dirfd, const std::string& name, std::string& error, bool* missing,
                                  std::size_t maxBytes) {
  if (missing) *missing = false;
  int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    if (missing && errno == ENOENT) *missing = true;
    error = errno == ELOOP ? "'" + name + "' is a symbolic link (not followed)" : err("cannot open", name);
    return std::nullopt;
  }
  Fd f(fd);
  struct stat st{};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    error = "'" + name + "' is not a regular file";
    return std::nullopt;
  }
  std::string out;
  if (st.st_size > 0) out.reserve(static_cast<std::size_t>(st.st_size));
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = err("cannot read", name);
      return std::nullopt;
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > maxBytes) {
      error = "'" + name + "' is larger than " + std::to_string(maxBytes) + " bytes";
      return std::nullopt;
    }
  }
  return out;
}

std::string writeAt(int dirfd, const std::string& name, std::string_view content, mode_t mode) {
  if (!safeName(name)) return "invalid file name '" + name + "'";
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; attempt < 16 && fd < 0; ++attempt) {
    tmp = tempName(name);
    fd = ::openat(dirfd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0 && errno != EEXIST) return err("cannot create", tmp);
  }
  if (fd < 0) return "cannot create a temporary file for '" + name + "'";
  if (std::string e = writeSyncClose(fd, content, mode); !e.empty()) {
    ::unlinkat(dirfd, tmp.c_str(), 0);
    return e + " ('" + tmp + "')";
  }
  if (::renameat(dirfd, tmp.c_str(), dirfd, name.c_str()) != 0) {
    std::string m = err("cannot rename into place", name);
    ::unlinkat(dirfd, tmp.c_str(), 0);
    return m;
  }
  return {};
}

std::string removeAt(int dirfd, const std::string& name) {
  if (!safeName(name)) return "invalid name '" + name + "'";
  if (::unlinkat(dirfd, name.c_str(), 0) == 0 || errno == ENOENT) return {};
  if (errno != EISDIR && errno != EPERM) return err("cannot remove", name);
  int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return err("cannot open", name);
  DIR* d = ::fdopendir(fd);
  if (!d) {
    ::close(fd);
    return err("cannot list", name);
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  std::string result;
  for (const auto& n : names) {
    std::string e = removeAt(::dirfd(d), n);
    if (!e.empty() && result.empty()) result = e;
  }
  ::closedir(d);
  if (!result.empty()) return result;
  if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) return err("cannot remove", name);
  return {};
}

Fd openInRoot(int rootfd, const std::string& relative, int flags, std::string& error) {
  struct open_how how{};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC | O_NOFOLLOW);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  long fd = ::syscall(SYS_openat2, rootfd, relative.c_str(), &how, sizeof how);
  if (fd < 0) {
    error = errno == ELOOP ? "'" + relative + "' crosses a symbolic link inside the rootfs (not followed)"
            : errno == ENOSYS ? std::string("openat2 is not available (Linux 5.6 or later is needed)")
                              : err("cannot open in the rootfs", relative);
    return {};
  }
  return Fd(static_cast<int>(fd));
}

}  // namespace ward::hook::fsx
