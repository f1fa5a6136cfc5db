#include "backend/common/registry_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include <fmt/format.h>

#include "base/sha256.h"

namespace ward::backend::common::registry_file {
namespace {

constexpr std::string_view kSumPrefix = "# sha256 ";

struct Fd {
  int fd = -1;
  explicit Fd(int f = -1) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

bool validName(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  for (char c : name) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    std::string_view("_.-:@+").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

std::string sysError(std::string_view what, const std::string& path) {
  return fmt::format("{} {}: {}", what, path, std::strerror(errno));
}

bool ensureDir(const std::string& dir, std::string& error) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return true;
    error = fmt::format("the state directory {} is not a directory", dir);
    return false;
  }
  if (errno != ENOENT) {
    error = sysError("cannot use the state directory", dir);
    return false;
  }
  const std::size_t slash = dir.find_last_of('/');
  if (slash != std::string::npos && slash > 0 && !ensureDir(dir.substr(0, slash), error)) return false;
  // Intermediate directories are created like mkdir -p would; the state directory itself is private.
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    error = sysError("cannot create the state directory", dir);
    return false;
  }
  return true;
}

Lock::~Lock() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {

// An exclusive flock on `path` (created 0600, not followed through a symlink); -1 and `error` on failure.
int lockFile(const std::string& path, std::string_view what, std::string& error) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    error = sysError(fmt::format("cannot open {}", what), path);
    return -1;
  }
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    error = sysError("cannot lock", path);
    ::close(fd);
    return -1;
  }
  return fd;
}

// The lock files of the registries that share a state directory. A batch holds its locks until it ends,
// so it takes all of them at its first lock in a directory, in this (sorted) order: two compiles that
// allocate in different orders (one policy with `idmap auto` only, another with `categories auto` only)
// would otherwise each hold one lock and wait for the other's forever.
constexpr std::string_view kBatchLocks[] = {"idmap.lock", "mcs.lock"};

}  // namespace

bool Lock::acquire(const std::string& path, std::string_view what, std::string& error) {
  if (fd_ >= 0) return true;
  Batch* batch = Batch::active();
  if (!batch) {
    fd_ = lockFile(path, what, error);
    return fd_ >= 0;
  }
  if (batch->locks_.count(path)) return true;   // the batch holds it already
  const std::size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  std::set<std::string> all{path};
  if (batch->lockedDirs_.insert(dir).second)
    for (auto name : kBatchLocks) all.insert(dir + "/" + std::string(name));
  for (const auto& p : all) {   // held until the batch ends
    if (batch->locks_.count(p)) continue;
    const int fd = lockFile(p, p == path ? what : std::string_view("a registry lock"), error);
    if (fd < 0) return false;
    batch->locks_.emplace(p, fd);
  }
  return true;
}

ReadStatus readAll(const std::string& path, std::string_view what, std::string& text, std::string& error) {
  text.clear();
  if (Batch* batch = Batch::active()) {
    if (auto it = batch->pending_.find(path); it != batch->pending_.end()) {
      text = it->second.text;
      return ReadStatus::Ok;
    }
  }
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.fd < 0) {
    if (errno == ENOENT) return ReadStatus::Missing;
    error = sysError(fmt::format("cannot open {}", what), path);
    return ReadStatus::Error;
  }
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = sysError(fmt::format("cannot read {}", what), path);
      return ReadStatus::Error;
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  return ReadStatus::Ok;
}

std::optional<std::vector<std::string_view>> entryLines(std::string_view text, std::string_view header,
                                                        std::string_view headerName, std::string& error) {
  if (text.empty() || text.back() != '\n') {
    error = "the file is empty or truncated (it does not end with a newline)";
    return std::nullopt;
  }
  std::vector<std::string_view> lines;
  std::string_view rest = text;
  while (!rest.empty()) {
    std::size_t eol = rest.find('\n');
    lines.push_back(rest.substr(0, eol));
    rest.remove_prefix(eol + 1);
  }
  if (lines.size() < 2 || lines.front() != header) {
    error = fmt::format("line 1 is not {}", headerName);
    return std::nullopt;
  }
  std::string_view sumLine = lines.back();
  if (!sumLine.starts_with(kSumPrefix)) {
    error = fmt::format("line {}: the checksum line is missing (the file is truncated or was edited)", lines.size());
    return std::nullopt;
  }
  const std::size_t bodySize = text.size() - sumLine.size() - 1;
  if (sumLine.substr(kSumPrefix.size()) != sha256Hex(text.substr(0, bodySize))) {
    error = fmt::format("line {}: the checksum does not match the entries (the file was changed outside ward)",
                        lines.size());
    return std::nullopt;
  }
  return std::vector<std::string_view>(lines.begin() + 1, lines.end() - 1);
}

std::string seal(std::string body) {
  const std::string sum = sha256Hex(body);
  return body + std::string(kSumPrefix) + sum + "\n";
}

bool writeAtomic(const std::string& dir, const std::string& fileName, std::string_view text, std::string& error) {
  const std::string path = dir + "/" + fileName;
  if (Batch* batch = Batch::active()) {
    batch->pending_[path] = {dir, fileName, std::string(text)};
    return true;
  }
  std::string tmp = dir + "/." + fileName + ".XXXXXX";
  Fd fd(::mkostemp(tmp.data(), O_CLOEXEC));
  if (fd.fd < 0) {
    error = sysError("cannot create a temporary file in", dir);
    return false;
  }
  auto fail = [&](std::string_view what) {
    error = sysError(what, tmp);
    ::unlink(tmp.c_str());
    return false;
  };
  if (::fchmod(fd.fd, 0600) != 0) return fail("cannot set the mode of");
  for (std::size_t off = 0; off < text.size();) {
    ssize_t n = ::write(fd.fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("cannot write");
    off += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.fd) != 0) return fail("cannot flush");
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("cannot rename into place");
  Fd dirFd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dirFd.fd >= 0) ::fsync(dirFd.fd);
  return true;
}

namespace {
thread_local Batch* tActive = nullptr;
}  // namespace

Batch* Batch::active() { return tActive; }

Batch::Batch() {
  if (tActive) inert_ = true;
  else tActive = this;
}

Batch::~Batch() {
  if (inert_) return;
  tActive = nullptr;
  for (const auto& [path, fd] : locks_) ::close(fd);
}

bool Batch::commit(std::string& error) {
  if (inert_) return true;
  tActive = nullptr;   // writeAtomic below writes for real
  std::map<std::string, Pending> pending;
  pending.swap(pending_);
  bool ok = true;
  for (const auto& [path, p] : pending)
    if (!writeAtomic(p.dir, p.fileName, p.text, error)) {
      ok = false;
      break;
    }
  tActive = this;   // the locks are released by the destructor
  return ok;
}

}  // namespace ward::backend::common::registry_file
