#pragma once
// The common tail of every atomic write in ward (driver outputs, the hook's state files): write all of
// `content` to a freshly created temporary file, set its mode, fsync, close. The callers create the
// temporary (by path, or O_NOFOLLOW relative to a directory fd) and rename it into place.
#include <string>
#include <string_view>

namespace ward {

// Returns "" on success, else "cannot write|chmod|fsync|close: <strerror>". The fd is always closed.
std::string writeSyncClose(int fd, std::string_view content, unsigned mode);
// The same without the fsync, for callers that flush many files at once (syncfs) before renaming them.
std::string writeClose(int fd, std::string_view content, unsigned mode, bool sync);

}  // namespace ward
