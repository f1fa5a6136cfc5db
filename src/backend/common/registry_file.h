#pragma once
// The file mechanics every state-directory registry shares (the MCS registry, selinux/registry.h, and the
// id range registry, common/idmap_registry.h):
//   - the state directory is created like `mkdir -p`, each directory it creates with mode 0700;
//   - every change holds an exclusive flock on a lock file (mode 0600) next to the registry;
//   - the registry is replaced atomically (temporary file in the same directory, mode 0600, fsync,
//     rename, fsync of the directory), so readers never lock and never see half a file;
//   - the file is text: a header line, entry lines, then "# sha256 HEX" of every byte above it. A file
//     that does not end with a newline, has another header or a wrong checksum is refused, never reset.
// What an entry line means is up to each registry. Nothing here prints or exits; the only state is a Batch
// (below), which the thread that opened it alone sees.
#include <map>
#include <set>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ward::backend::common::registry_file {

// Container names a registry can hold: 1..255 bytes of letters, digits and _ . - : @ +
bool validName(std::string_view name);

// "<what> <path>: <strerror(errno)>"
std::string sysError(std::string_view what, const std::string& path);

// Creates `dir` and its missing parents (mode 0700). False and `error` when it cannot, or when `dir`
// exists and is not a directory.
bool ensureDir(const std::string& dir, std::string& error);

// An exclusive flock on a lock file (created 0600, never followed through a symlink), held until the
// object is destroyed.
class Lock {
 public:
  Lock() = default;
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;
  ~Lock();
  // `what` names the lock in messages, e.g. "the MCS registry lock".
  bool acquire(const std::string& path, std::string_view what, std::string& error);

 private:
  int fd_ = -1;
};

enum class ReadStatus { Ok, Missing, Error };
// The whole file (not followed through a symlink). `what` names it in messages ("the MCS registry").
ReadStatus readAll(const std::string& path, std::string_view what, std::string& text, std::string& error);

// The entry lines of sealed registry text (without their newlines; entry i is line i + 2 of the file).
// nullopt and `error` (the reason, without the path) when the text is empty or truncated, line 1 is not
// `header` (`headerName` says what it should be in the message), or the checksum line is missing or does
// not match.
std::optional<std::vector<std::string_view>> entryLines(std::string_view text, std::string_view header,
                                                        std::string_view headerName, std::string& error);

// `body` (which ends with a newline) followed by its checksum line.
std::string seal(std::string body);

// Replaces dir/fileName with `text` atomically (the temporary file is dir/.fileName.XXXXXX, mode 0600).
bool writeAtomic(const std::string& dir, const std::string& fileName, std::string_view text, std::string& error);

// One change per registry for a whole `ward compile` instead of one per new container (a fleet of 1,000
// policies rewrote and fsynced each registry 1,000 times). While a Batch is open on this thread:
//   - Lock::acquire takes each lock file's flock once and the batch keeps it until it ends, so no other
//     process changes a registry between this compile's allocations and its commit; at its first lock in
//     a state directory it takes every registry lock there (idmap.lock, mcs.lock), always in that order,
//     so that two batches never wait for each other;
//   - writeAtomic keeps the new text in memory, and readAll of that path returns it;
//   - commit() writes each changed registry with writeAtomic (fsync, rename, directory fsync), then lets
//     the locks go. A batch that ends without commit() (the compile failed) drops its changes: nothing
//     a failed compile allocated is registered.
// Batches do not nest: a Batch opened while another is open on the thread is inert (its commit() is a no-op
// that returns true; the outer one decides).
class Batch {
 public:
  Batch();
  ~Batch();
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;
  // Writes every changed registry. False and `error` at the first that cannot be written (the ones before
  // it are written: each file stays whole and consistent on its own).
  bool commit(std::string& error);
  std::size_t pendingWrites() const { return pending_.size(); }

 private:
  friend class Lock;
  friend ReadStatus readAll(const std::string&, std::string_view, std::string&, std::string&);
  friend bool writeAtomic(const std::string&, const std::string&, std::string_view, std::string&);
  static Batch* active();
  struct Pending {
    std::string dir, fileName, text;
  };
  bool inert_ = false;
  std::map<std::string, int> locks_;         // lock file path -> fd holding the flock
  std::set<std::string> lockedDirs_;         // state directories whose registry locks are all held
  std::map<std::string, Pending> pending_;   // registry path -> its new text
};

}  // namespace ward::backend::common::registry_file
