#pragma once
// Source files and spans. A SourceManager owns the text of every file one compilation reads; spans point
// into it by file id. Nothing here is global: each compilation (CLI run, hook run, LSP request) has its own.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ward {

using FileId = std::uint32_t;
inline constexpr FileId kNoFile = 0xffffffffu;

// A half-open byte range [begin, end) in one file, with 1-based line and column (columns count bytes) of
// both ends precomputed so that renderers and the IR dump need no SourceManager lookups.
struct Span {
  FileId file = kNoFile;
  std::uint32_t begin = 0, end = 0;          // byte offsets
  std::uint32_t line = 0, col = 0;           // of begin, 1-based
  std::uint32_t endLine = 0, endCol = 0;     // of end, 1-based
  bool valid() const { return file != kNoFile; }
  // The smallest span that covers both (same file); returns *this when other is invalid.
  Span cover(const Span& other) const;
  bool operator==(const Span&) const = default;
};

struct SourceFile {
  std::string displayName;   // what diagnostics and artifacts print: as given by the user, or std/<module>.ward
  std::string path;          // where it was read from (may be absolute; never written into artifacts)
  std::string text;
  std::vector<std::uint32_t> lineStarts;  // byte offset of each line's first byte
};

class SourceManager {
 public:
  FileId add(std::string displayName, std::string path, std::string text);
  const SourceFile& file(FileId id) const { return files_.at(id); }
  std::size_t size() const { return files_.size(); }
  std::optional<FileId> findByPath(std::string_view path) const;
  std::optional<FileId> findByDisplayName(std::string_view name) const;
  // 1-based line and column for a byte offset (clamped to the file).
  std::pair<std::uint32_t, std::uint32_t> lineCol(FileId id, std::uint32_t offset) const;
  Span span(FileId id, std::uint32_t begin, std::uint32_t end) const;
  // The text of a 1-based line without its line terminator ("" if out of range).
  std::string_view lineText(FileId id, std::uint32_t line) const;
  const std::string& displayName(FileId id) const { return files_.at(id).displayName; }

 private:
  std::vector<SourceFile> files_;
};

}  // namespace ward
