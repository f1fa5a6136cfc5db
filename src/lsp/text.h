#pragma once
// Text positions for the language server. LSP positions are (line, character) with `character` counted in
// UTF-16 code units; ward keeps UTF-8 text and byte offsets. These functions convert between the two and
// apply incremental edits. Invalid UTF-8 never throws: each byte of a malformed sequence counts as one
// code unit, the way editors display it as one replacement character.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ward::lsp {

struct Position {
  std::uint32_t line = 0;       // 0-based
  std::uint32_t character = 0;  // UTF-16 code units from the line start
  bool operator==(const Position&) const = default;
};

struct Range {
  Position start, end;
  bool operator==(const Range&) const = default;
};

// Byte offsets of the first byte of each line. Lines end at "\n" (a "\r" before it belongs to the
// terminator, not to the line's text, when converting columns).
std::vector<std::uint32_t> lineStarts(std::string_view text);

// UTF-16 length of a run of UTF-8 bytes.
std::uint32_t utf16Length(std::string_view utf8);

// A document's text with its line table, kept in step with every edit.
class TextBuffer {
 public:
  TextBuffer() : starts_{0} {}
  explicit TextBuffer(std::string text);

  const std::string& text() const { return text_; }
  const std::vector<std::uint32_t>& starts() const { return starts_; }
  std::uint32_t lineCount() const { return static_cast<std::uint32_t>(starts_.size()); }

  // The byte offset of an LSP position, clamped: a line past the end is the end of the text, a character
  // past the end of its line is the end of that line (before "\r\n"), and a position inside a surrogate
  // pair is the start of that code point.
  std::uint32_t offsetAt(Position p) const;
  // The LSP position of a byte offset (clamped to the text; an offset inside a multi-byte sequence counts
  // the whole sequence as before it only when complete).
  Position positionAt(std::uint32_t offset) const;
  // The position just past the last character (for whole-document edits).
  Position endPosition() const { return positionAt(static_cast<std::uint32_t>(text_.size())); }
  // The text of a 0-based line without its terminator.
  std::string_view line(std::uint32_t line) const;

  // Replaces the text between two positions (an incremental didChange). Returns false (and changes
  // nothing) when start is after end.
  bool replace(const Range& r, std::string_view newText);
  void assign(std::string text);

 private:
  std::string text_;
  std::vector<std::uint32_t> starts_;
};

// Converts a 1-based (line, byte column) pair, as in ward::Span, to an LSP position for a file whose text
// is `text` (the line table is computed by the caller once per file).
Position fromByteColumn(std::string_view text, const std::vector<std::uint32_t>& starts, std::uint32_t line1,
                        std::uint32_t col1);

// file:// URIs and paths. uriToPath decodes percent escapes and returns "" for URIs that are not file
// URIs (untitled buffers); pathToUri encodes what RFC 3986 does not allow in a path.
std::string uriToPath(std::string_view uri);
std::string pathToUri(std::string_view path);

}  // namespace ward::lsp
