#pragma once
// All-or-nothing output for `ward compile` without holding every artifact in memory: each file is written
// to a temporary beside its target as soon as it is produced, and all are renamed into place at the end.
#include <string>
#include <string_view>
#include <vector>

namespace ward::driver {

class Stager {
 public:
  // outDir: created at the first stage() when missing (and removed again by abort() if it is then empty).
  explicit Stager(std::string outDir);
  ~Stager();   // abort() unless commit() succeeded
  Stager(const Stager&) = delete;
  Stager& operator=(const Stager&) = delete;

  // Writes `content` to a new temporary in path's directory (".NAME.ward-staging-XXXXXX", mode 0644), not
  // yet flushed; when `path` already is a regular file of mode 0644 with exactly these bytes, nothing is
  // written and the file is left alone (unchanged()). Returns "" or an error message.
  std::string stage(const std::string& path, std::string_view content);
  // Flushes every temporary (one syncfs per file system), renames each onto its target, fsyncs the
  // directories. On a failed rename the files not yet renamed are removed. Returns "" or an error.
  std::string commit();
  // Removes every temporary (and the output directory when this Stager created it and it is empty).
  void abort();
  std::size_t size() const { return files_.size(); }
  std::size_t unchanged() const { return unchanged_; }   // outputs left alone because they already held the bytes

 private:
  struct File {
    std::string tmp, path;
  };
  std::string outDir_;
  bool dirChecked_ = false, createdDir_ = false, finished_ = false;
  std::vector<File> files_;
  std::size_t unchanged_ = 0;
};

}  // namespace ward::driver
