#include "lsp/text.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace ward::lsp {

namespace {

// Length in bytes of the UTF-8 sequence at s[i] and its UTF-16 length. A malformed or truncated sequence
// is one byte, one unit.
inline std::size_t step(std::string_view s, std::size_t i, std::uint32_t& units) {
  const auto c = static_cast<unsigned char>(s[i]);
  units = 1;
  std::size_t n = 1;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0 && c >= 0xC2) n = 2;
  else if ((c & 0xF0) == 0xE0) n = 3;
  else if ((c & 0xF8) == 0xF0 && c <= 0xF4) n = 4;
  else return 1;
  if (i + n > s.size()) return 1;
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 1;
  if (n == 4) units = 2;
  return n;
}

// End of a line's text (excluding "\n" and a "\r" before it).
inline std::uint32_t lineEnd(std::string_view text, const std::vector<std::uint32_t>& starts, std::uint32_t line) {
  std::uint32_t end = line + 1 < starts.size() ? starts[line + 1] : static_cast<std::uint32_t>(text.size());
  if (end > starts[line] && text[end - 1] == '\n') --end;
  if (end > starts[line] && text[end - 1] == '\r') --end;
  return end;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::vector<std::uint32_t> lineStarts(std::string_view text) {
  std::vector<std::uint32_t> starts{0};
  const char* base = text.data();
  const char* p = base;
  const char* end = base + text.size();
  while (p < end) {
    const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
    if (!nl) break;
    p = static_cast<const char*>(nl) + 1;
    starts.push_back(static_cast<std::uint32_t>(p - base));
  }
  return starts;
}

std::uint32_t utf16Length(std::string_view s) {
  std::uint32_t total = 0, units = 0;
  for (std::size_t i = 0; i < s.size();) {
    i += step(s, i, units);
    total += units;
  }
  return total;
}

TextBuffer::TextBuffer(std::string text) { assign(std::move(text)); }

void TextBuffer::assign(std::string text) {
  text_ = std::move(text);
  starts_ = lineStarts(text_);
}

std::string_view TextBuffer::line(std::uint32_t l) const {
  if (l >= starts_.size()) return {};
  return std::string_view(text_).substr(starts_[l], lineEnd(text_, starts_, l) - starts_[l]);
}

std::uint32_t TextBuffer::offsetAt(Position p) const {
  if (p.line >= starts_.size()) return static_cast<std::uint32_t>(text_.size());
  const std::uint32_t begin = starts_[p.line];
  const std::uint32_t end = lineEnd(text_, starts_, p.line);
  std::string_view s(text_);
  std::uint32_t i = begin, col = 0, units = 0;
  while (i < end && col < p.character) {
    std::size_t n = step(s, i, units);
    if (col + units > p.character) break;  // inside a surrogate pair: stay at the code point's start
    col += units;
    i += static_cast<std::uint32_t>(n);
  }
  return std::min(i, end);
}

Position TextBuffer::positionAt(std::uint32_t offset) const {
  offset = std::min<std::uint32_t>(offset, static_cast<std::uint32_t>(text_.size()));
  auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  const auto line = static_cast<std::uint32_t>(it - starts_.begin() - 1);
  std::string_view s(text_);
  std::uint32_t i = starts_[line], col = 0, units = 0;
  while (i < offset) {
    std::size_t n = step(s, i, units);
    if (i + n > offset) break;
    col += units;
    i += static_cast<std::uint32_t>(n);
  }
  return {line, col};
}

bool TextBuffer::replace(const Range& r, std::string_view newText) {
  const std::uint32_t b = offsetAt(r.start), e = offsetAt(r.end);
  if (b > e) return false;
  text_.replace(b, e - b, newText);
  // Rebuild the line table from the first changed line on (the prefix is unchanged).
  const auto firstLine = static_cast<std::size_t>(
      std::upper_bound(starts_.begin(), starts_.end(), b) - starts_.begin());  // lines starting after b change
  starts_.resize(firstLine);
  const char* base = text_.data();
  const char* p = base + starts_.back();
  const char* end = base + text_.size();
  while (p < end) {
    const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
    if (!nl) break;
    p = static_cast<const char*>(nl) + 1;
    starts_.push_back(static_cast<std::uint32_t>(p - base));
  }
  return true;
}

Position fromByteColumn(std::string_view text, const std::vector<std::uint32_t>& starts, std::uint32_t line1,
                        std::uint32_t col1) {
  if (line1 == 0 || starts.empty()) return {0, 0};
  std::uint32_t line = line1 - 1;
  if (line >= starts.size()) {  // past the end: the end of the last line
    line = static_cast<std::uint32_t>(starts.size() - 1);
    col1 = 0xffffffffu;
  }
  const std::uint32_t begin = starts[line];
  const std::uint32_t end = lineEnd(text, starts, line);
  // Columns may point at the terminator (a span ending at a line's end); clamp to the line's bytes.
  const std::uint32_t bytes = col1 == 0 ? 0 : std::min<std::uint32_t>(col1 - 1, end - begin);
  return {line, utf16Length(text.substr(begin, bytes))};
}

std::string uriToPath(std::string_view uri) {
  constexpr std::string_view kScheme = "file://";
  if (uri.size() < kScheme.size()) return {};
  for (std::size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(uri[i])) != kScheme[i]) return {};
  std::string_view rest = uri.substr(kScheme.size());
  // Authority: "" or "localhost" for local files; anything else is not ours to open.
  std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return {};
  std::string_view authority = rest.substr(0, slash);
  if (!authority.empty() && authority != "localhost") return {};
  rest = rest.substr(slash);
  if (auto q = rest.find_first_of("?#"); q != std::string_view::npos) rest = rest.substr(0, q);
  std::string out;
  out.reserve(rest.size());
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '%' && i + 2 < rest.size() && hexValue(rest[i + 1]) >= 0 && hexValue(rest[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hexValue(rest[i + 1]) * 16 + hexValue(rest[i + 2])));
      i += 2;
    } else {
      out.push_back(rest[i]);
    }
  }
  if (out.find('\0') != std::string::npos) return {};
  return out;
}

std::string pathToUri(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "file://";
  for (unsigned char c : path) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
                       c == '-' || c == '.' || c == '_' || c == '~';
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace ward::lsp
