#pragma once
// File access for code that runs as root on behalf of a container (the LXC hook, lxc-install).
//
//   - Directories ward owns (the state directory and below) are opened one component at a time with
//     O_DIRECTORY|O_NOFOLLOW, created 0700 where missing, and must end up owned by the caller and not
//     writable by group or others.
//   - Files are read and written relative to those directory descriptors with O_NOFOLLOW; writes go to a
//     temporary file (O_EXCL, mode 0600 unless told otherwise), are fsync'd and renamed into place, so
//     readers never see a torn file.
//   - Paths inside a container's rootfs are opened with openat2(RESOLVE_IN_ROOT|RESOLVE_NO_SYMLINKS), so
//     no symlink (absolute or relative) planted by the container can lead outside its rootfs.
// Nothing here prints or throws; errors come back as plain-words strings.
#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ward::hook::fsx {

// An owned file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept;
  ~Fd();
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }

 private:
  int fd_ = -1;
};

// Opens an absolute directory path without following a symlink in any component; with `create`, missing
// components are created with `mode`. The final directory must be owned by the effective uid and not be
// group- or world-writable (every directory this call created is checked the same way).
Fd openDir(const std::string& path, bool create, std::string& error, mode_t mode = 0700);
// Opens (creating when asked) a single subdirectory `name` of `dirfd`, with the same checks.
Fd openSubdir(int dirfd, const std::string& name, bool create, std::string& error, mode_t mode = 0700);

// Reads a regular file `name` relative to `dirfd` (AT_FDCWD for a path) with O_NOFOLLOW.
// nullopt with `error` set when it cannot be read; `missing` (if given) tells ENOENT apart.
std::optional<std::string> readAt(int dirfd, const std::string& name, std::string& error, bool* missing = nullptr,
                                  std::size_t maxBytes = 64u << 20);

// Writes `content` to `name` in `dirfd` atomically (temporary file, fsync, rename). "" on success.
std::string writeAt(int dirfd, const std::string& name, std::string_view content, mode_t mode = 0600);

// Removes `name` (a file or a directory tree, never following symlinks) below `dirfd`. "" on success.
std::string removeAt(int dirfd, const std::string& name);

// Opens `relative` inside the rootfs whose directory descriptor is `rootfd`, resolving as if rootfd were
// "/" and refusing every symlink (openat2 RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS).
Fd openInRoot(int rootfd, const std::string& relative, int flags, std::string& error);

// A file or directory name ward writes: non-empty, no '/', not "." or "..", no NUL.
bool safeName(std::string_view name);

// The effective uid (a function so that tests can reason about ownership checks).
uid_t effectiveUid();

}  // namespace ward::hook::fsx
