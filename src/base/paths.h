#pragma once
// Small helpers on absolute, normalised path strings (no file system access).
#include <string_view>

namespace ward {

// `path` is `dir` or below it: "/proc/bus/pci" is under "/proc/bus" and "/proc/bus/", not under "/proc/b".
inline bool pathUnder(std::string_view path, std::string_view dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
  if (dir == "/") return !path.empty() && path[0] == '/';
  return path == dir || (path.starts_with(dir) && path.size() > dir.size() && path[dir.size()] == '/');
}

}  // namespace ward
