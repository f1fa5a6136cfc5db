#pragma once
// Shared by the libFuzzer targets: one fuzz input split into several files, and a FileSystem that serves
// them from memory, so a reader that follows includes (an LXC config naming its seccomp and AppArmor
// profiles) is fuzzed on every file it reads, and nothing on the host is opened.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lxcconf/lxcconf.h"
#include "verify/catalog.h"
#include "ward/config.h"
#include "ward/source_dir.h"

namespace ward::fuzz {

// Parts are separated by a line holding only "@@"; the first part is the main file.
inline std::vector<std::string> splitParts(const std::uint8_t* data, std::size_t size, std::size_t maxParts) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  while (parts.size() + 1 < maxParts) {
    auto cut = text.find("\n@@\n");
    if (cut == std::string_view::npos) break;
    parts.emplace_back(text.substr(0, cut + 1));
    text.remove_prefix(cut + 4);
  }
  parts.emplace_back(text);
  return parts;
}

// Files by absolute path; directories are the parents of the files (and "/").
class MemoryFileSystem : public lxcconf::FileSystem {
 public:
  std::map<std::string, std::string, std::less<>> files;

  std::optional<std::string> readFile(const std::string& path, std::string& error) const override {
    auto it = files.find(path);
    if (it == files.end()) {
      error = isDirectory(path) ? "Is a directory" : "No such file or directory";
      return std::nullopt;
    }
    return it->second;
  }
  bool isDirectory(const std::string& path) const override {
    if (path == "/") return true;
    std::string prefix = path.back() == '/' ? path : path + "/";
    auto it = files.lower_bound(prefix);
    return it != files.end() && it->first.compare(0, prefix.size(), prefix) == 0;
  }
  bool isMissing(const std::string& path) const override {
    return files.find(path) == files.end() && !isDirectory(path);
  }
  std::optional<std::vector<std::string>> listDirectory(const std::string& path, std::string& error) const override {
    if (!isDirectory(path)) {
      error = "No such file or directory";
      return std::nullopt;
    }
    std::string prefix = path.back() == '/' ? path : path + "/";
    std::vector<std::string> names;
    for (auto it = files.lower_bound(prefix); it != files.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
      std::string rest = it->first.substr(prefix.size());
      std::string name = rest.substr(0, rest.find('/'));
      if (names.empty() || names.back() != name) names.push_back(name);
    }
    return names;
  }
};

// The shipped escape catalog, loaded once: the verifier judges what the reader produced against it.
inline const verify::Catalog& shippedCatalog() {
  static const verify::Catalog catalog = [] {
    std::vector<std::string> errors;
    return verify::loadCatalog({WARD_SOURCE_STDLIB}, errors);
  }();
  return catalog;
}

}  // namespace ward::fuzz
